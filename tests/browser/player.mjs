// The player page in headless Chromium, against a live stream.
//
// This script is the broadcaster too: it runs ffmpeg (a 320x180 picture
// whose top half encodes the media time in quarter seconds as 8 black or
// white blocks), so it knows when each picture was made: the latency it
// measures is (now - T0) - media time of the picture on screen, read from
// the video's pixels, independent of the page's own figure.
//
// env: WATCH_URL (the edge's /watch/<stream>), RTMP_URL (publish here),
//      FFMPEG, ARTIFACTS (screenshots go there)
import { spawn } from 'node:child_process';
import { check, finish, launch, sleep, until } from './lib.mjs';

const WATCH_URL = process.env.WATCH_URL;
const RTMP_URL = process.env.RTMP_URL;
const FFMPEG = process.env.FFMPEG || 'ffmpeg';
const ART = process.env.ARTIFACTS || '.';

let pub = null;
let T0 = 0;

function publish() {
  const code = "geq=lum='if(lt(Y,90),16+219*mod(floor(T*4/pow(2,floor(X/40))),2),128)'";
  T0 = Date.now();
  pub = spawn(FFMPEG, ['-nostdin', '-loglevel', 'error', '-re',
    '-f', 'lavfi', '-i', 'color=c=black:s=320x180:r=25,format=gray,' + code + ',format=yuv420p',
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-t', '240', '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency',
    '-g', '50', '-keyint_min', '50', '-sc_threshold', '0', '-pix_fmt', 'yuv420p',
    '-b:v', '400k', '-c:a', 'aac', '-b:a', '64k', '-f', 'flv', RTMP_URL],
  { stdio: ['ignore', 'ignore', 'inherit'] });
}
function stopPublisher(sig) {
  if (pub && pub.exitCode === null) pub.kill(sig || 'SIGKILL');
}
process.on('exit', () => stopPublisher('SIGKILL'));

// In the page: the picture's code, the latency shown, the clock.
function sample() {
  const v = document.getElementById('video');
  if (!v || !v.videoWidth || v.readyState < 2) return null;
  const c = document.createElement('canvas');
  c.width = v.videoWidth;
  c.height = v.videoHeight;
  const g = c.getContext('2d', { willReadFrequently: true });
  g.drawImage(v, 0, 0);
  const sx = v.videoWidth / 320, sy = v.videoHeight / 180;
  let n = 0;
  for (let b = 0; b < 8; b++) {
    const px = g.getImageData(Math.round((b * 40 + 20) * sx), Math.round(45 * sy), 1, 1).data;
    if (px[0] > 128) n |= 1 << b;
  }
  const shown = document.getElementById('latency').dataset.latency;
  return { n, now: Date.now(), shown: shown === '' ? null : Number(shown), ct: v.currentTime };
}

// Media time of the picture: n quarter seconds, modulo 64 s, unwrapped near the guess.
function measured(s) {
  const sinceT0 = (s.now - T0) / 1000;
  const guess = sinceT0 - 8;
  let t = s.n / 4;
  t += 64 * Math.round((guess - t) / 64);
  return sinceT0 - t;
}

const ct = (page) => page.evaluate(() => document.getElementById('video').currentTime);
const st = (page) => page.evaluate(() => window.cdnPlayer && window.cdnPlayer.state);

async function advances(page, secs, timeoutMs) {
  const start = await ct(page);
  return until(async () => (await ct(page)) >= start + secs, timeoutMs, 250);
}

async function main() {
  publish();
  const ctx = await launch();
  const page = await ctx.newPage();
  const consoleLines = [];
  page.on('console', (m) => consoleLines.push(m.text()));
  await page.goto(WATCH_URL, { waitUntil: 'load' });

  // ---- hls.js ---------------------------------------------------------------------
  const playing = await until(async () => (await st(page)) === 'live' && (await ct(page)) > 0, 40000);
  check('hls.js: the page plays the live stream (state live, currentTime > 0)', playing,
    'state ' + (await st(page)));
  check('the engine is hls.js', (await page.evaluate(() => window.cdnPlayer.engine)) === 'hls.js');
  check('video.currentTime advances by at least 5 s', await advances(page, 5, 20000));
  const fatal = await page.evaluate(() => window.cdnPlayer.fatalErrors.slice());
  check('hls.js reports no fatal error', fatal.length === 0, fatal.join(', '));

  // Latency: three samples a second apart; each within 2 s of what the pixels say.
  const diffs = [];
  for (let i = 0; i < 3; i++) {
    const s = await page.evaluate(sample);
    if (s && s.shown !== null) diffs.push({ shown: s.shown, measured: measured(s) });
    await sleep(1000);
  }
  check('the latency is shown', diffs.length === 3, JSON.stringify(diffs));
  const worst = diffs.reduce((m, d) => Math.max(m, Math.abs(d.shown - d.measured)), 0);
  console.log('# latency shown vs measured: ' +
    diffs.map((d) => d.shown.toFixed(2) + ' / ' + d.measured.toFixed(2)).join(', '));
  check('the latency shown is within 2 s of the latency measured', diffs.length && worst <= 2,
    'worst difference ' + worst.toFixed(2) + ' s');
  check('the latency measured is plausible for 2 s segments (1-20 s)',
    diffs.length && diffs.every((d) => d.measured > 1 && d.measured < 20));

  // Bitrate: what the page shows against the segments' own bytes / durations.
  const shownBps = await page.evaluate(() => window.cdnPlayer.bitrate);
  const mediaUrl = new URL(WATCH_URL).origin + '/hls/' + WATCH_URL.split('/watch/')[1].split('?')[0] + '/index.m3u8';
  const pl = await (await fetch(mediaUrl)).text();
  const segs = [];
  let dur = 0;
  for (const line of pl.split('\n')) {
    const m = /^#EXTINF:([\d.]+)/.exec(line);
    if (m) dur = Number(m[1]);
    else if (line && !line.startsWith('#')) segs.push([new URL(line, mediaUrl).href, dur]);
  }
  let bits = 0, secs = 0;
  for (const [u, d] of segs.slice(-3)) {
    bits += (await (await fetch(u)).arrayBuffer()).byteLength * 8;
    secs += d;
  }
  const actual = secs ? bits / secs : 0;
  console.log('# bitrate shown ' + Math.round(shownBps) + ' bit/s, segments ' + Math.round(actual));
  check('the bitrate shown is the stream\'s (within a factor of 1.5 of its segments)',
    shownBps > 0 && actual > 0 && shownBps / actual < 1.5 && actual / shownBps < 1.5,
    shownBps + ' vs ' + actual);
  const rendition = await page.textContent('#rendition');
  check('the rendition is shown (320×180)', /320×180/.test(rendition), rendition);
  const snippet = await page.inputValue('#embed');
  check('the embed snippet is an iframe of /watch/<stream>?embed=1',
    /^<iframe src="http:\/\/[^"]+\/watch\/[^"?]+\?embed=1"/.test(snippet), snippet);
  await page.screenshot({ path: ART + '/player-hlsjs.png' });

  // ---- the browser's own HLS ------------------------------------------------------------
  const native = await ctx.newPage();
  await native.goto(WATCH_URL + '?engine=native', { waitUntil: 'load' });
  const nplay = await until(async () => (await st(native)) === 'live' && (await ct(native)) > 0, 40000);
  check('native HLS: the page plays the stream', nplay);
  check('the engine is native', (await native.evaluate(() => window.cdnPlayer.engine)) === 'native');
  check('native: video.currentTime advances by at least 5 s', await advances(native, 5, 25000));
  const ns = await until(async () => {
    const x = await native.evaluate(sample);
    return x && x.shown !== null ? x : null;
  }, 5000);
  check('native: a latency is shown', ns !== null);
  if (ns) {
    const d = Math.abs(ns.shown - measured(ns));
    console.log('# native latency shown ' + ns.shown.toFixed(2) + ', measured ' + measured(ns).toFixed(2));
    check('native: the latency shown is within 2 s of the latency measured', d <= 2,
      'difference ' + d.toFixed(2) + ' s');
  }
  await native.screenshot({ path: ART + '/player-native.png' });
  await native.close();

  // ---- a late segment: the publisher freezes for 7 s -----------------------------------
  pub.kill('SIGSTOP');
  await sleep(7000);
  pub.kill('SIGCONT');
  check('after a 7 s freeze of the publisher, playback goes on by itself',
    await advances(page, 3, 30000));

  // ---- the stream restarts: the publisher dies, a new one comes -------------------------
  stopPublisher('SIGKILL');
  await until(async () => (await st(page)) !== 'live', 8000);
  const during = await st(page);
  console.log('# state while the publisher is gone: ' + during);
  await sleep(2000);
  publish();
  const back = await until(async () => (await st(page)) === 'live', 40000);
  check('after the publisher restarts, the state is live again', back);
  check('and playback resumes by itself (currentTime advances by 3 s)', await advances(page, 3, 45000));
  await page.screenshot({ path: ART + '/player-after-restart.png' });
  const s2 = await page.evaluate(sample);
  if (s2 && s2.shown !== null) {
    console.log('# after restart: latency shown ' + s2.shown.toFixed(2) + ', measured ' +
      measured(s2).toFixed(2));
  }
  // ---- offline and ended ------------------------------------------------------------------
  const none = await ctx.newPage();
  await none.goto(WATCH_URL.replace(/\/watch\/[^/?]+/, '/watch/nosuchstream'), { waitUntil: 'load' });
  check('a stream nobody publishes shows offline', await until(async () => (await st(none)) === 'offline', 10000),
    await st(none));
  check('with the offline notice over the video', await none.isVisible('#overlay'));
  await none.close();
  // The publisher stops for good: once the playlist has ENDLIST (after any
  // republish grace the origin gives), the page says ended.
  stopPublisher('SIGKILL');
  check('when the stream ends, the page shows ended',
    await until(async () => (await st(page)) === 'ended', 60000), await st(page));
  console.log('# page console: ' + consoleLines.slice(-5).join(' | '));
  await ctx.cleanup();
  stopPublisher('SIGTERM');
}

main().then(finish, (e) => {
  check('the browser test ran to its end', false, e && e.stack);
  finish();
});
