// The player page (/watch/<stream>) in headless Chromium playing an AV1
// stream that came in over Enhanced RTMP (fMP4 segments, CODECS av01...).
// FIELD-NOTES: Chromium 156 decodes AV1 in fMP4 through MSE (it does not
// decode HEVC, which is why no HEVC stream is tried here).
//
// env: WATCH_URL (the origin's /watch/<stream>; the shell script publishes),
//      ARTIFACTS (the screenshot goes there)
import { check, finish, launch, until } from './lib.mjs';

const WATCH_URL = process.env.WATCH_URL;
const ART = process.env.ARTIFACTS || '.';

const ct = (page) => page.evaluate(() => document.getElementById('video').currentTime);
const st = (page) => page.evaluate(() => window.cdnPlayer && window.cdnPlayer.state);

// In the page: the picture's size and how much it varies (a decoded
// testsrc2 picture is colourful; a black or missing one is flat).
function picture() {
  const v = document.getElementById('video');
  if (!v || !v.videoWidth || v.readyState < 2) return null;
  const c = document.createElement('canvas');
  c.width = v.videoWidth;
  c.height = v.videoHeight;
  const g = c.getContext('2d', { willReadFrequently: true });
  g.drawImage(v, 0, 0);
  const d = g.getImageData(0, 0, c.width, c.height).data;
  let min = 255, max = 0;
  for (let i = 0; i < d.length; i += 4 * 97) {
    min = Math.min(min, d[i + 1]);
    max = Math.max(max, d[i + 1]);
  }
  return { w: v.videoWidth, h: v.videoHeight, spread: max - min };
}

async function main() {
  const ctx = await launch();
  const page = await ctx.newPage();
  const consoleLines = [];
  page.on('console', (m) => consoleLines.push(m.text()));
  await page.goto(WATCH_URL, { waitUntil: 'load' });
  const playing = await until(async () => (await st(page)) === 'live' && (await ct(page)) > 0, 40000);
  check('AV1: the page plays the live stream (state live, currentTime > 0)', playing,
    'state ' + (await st(page)));
  check('AV1: the engine is hls.js', (await page.evaluate(() => window.cdnPlayer.engine)) === 'hls.js');
  const t0 = await ct(page);
  check('AV1: video.currentTime advances by at least 4 s',
    await until(async () => (await ct(page)) >= t0 + 4, 20000));
  const fatal = await page.evaluate(() => window.cdnPlayer.fatalErrors.slice());
  check('AV1: hls.js reports no fatal error', fatal.length === 0, fatal.join(', '));
  const pic = await until(() => page.evaluate(picture), 5000);
  check('AV1: the decoded picture is 320x240', pic && pic.w === 320 && pic.h === 240, JSON.stringify(pic));
  check('AV1: the picture is not blank', pic && pic.spread > 64, JSON.stringify(pic));
  const rendition = await page.textContent('#rendition');
  check('AV1: the rendition shown is 320×240', /320×240/.test(rendition), rendition);
  await page.screenshot({ path: ART + '/player-av1.png' });
  console.log('# page console: ' + consoleLines.slice(-5).join(' | '));
  await ctx.cleanup();
}

main().then(finish, (e) => {
  check('the browser test ran to its end', false, e && e.stack);
  finish();
});
