// The player page (/watch/<stream>) in headless Chromium, seeking back into
// a live stream's DVR window (docs/dvr.md): hls.js must offer the whole
// window as seekable, and play from its old end after a seek.
//
// env: WATCH_URL (the origin's /watch/<stream>), DVR_S (the stream's DVR
//      window in seconds), ARTIFACTS (the screenshot goes there)
import { check, finish, launch, until } from './lib.mjs';

const WATCH_URL = process.env.WATCH_URL;
const DVR_S = Number(process.env.DVR_S || 0);
const ART = process.env.ARTIFACTS || '.';

const video = (page) => page.evaluate(() => {
  const v = document.getElementById('video');
  const s = v.seekable;
  return {
    t: v.currentTime, paused: v.paused,
    start: s.length ? s.start(0) : NaN, end: s.length ? s.end(s.length - 1) : NaN,
    state: window.cdnPlayer && window.cdnPlayer.state,
  };
});

async function main() {
  const ctx = await launch();
  const page = await ctx.newPage();
  await page.goto(WATCH_URL, { waitUntil: 'load' });
  const playing = await until(async () => {
    const v = await video(page);
    return v.state === 'live' && v.t > 0 ? v : null;
  }, 40000);
  check('DVR: the page plays the live stream', playing, JSON.stringify(await video(page)));
  // The seekable range is the playlist: the DVR window, not 3 segments.
  const v0 = await until(async () => {
    const v = await video(page);
    return v.end - v.start >= DVR_S * 0.6 ? v : null;
  }, 20000);
  const span = v0 ? v0.end - v0.start : NaN;
  check('DVR: hls.js offers at least 60 % of the ' + DVR_S + ' s window as seekable (' +
    (v0 ? span.toFixed(1) : '?') + ' s)', v0, JSON.stringify(await video(page)));
  const live = await video(page);
  check('DVR: before the seek it plays near the live edge (' + (live.end - live.t).toFixed(1) +
    ' s behind)', live.end - live.t < 12, JSON.stringify(live));
  // Seek to 2 s into the window: a segment only the disk holds by now.
  const target = live.start + 2;
  await page.evaluate((t) => { document.getElementById('video').currentTime = t; }, target);
  const moved = await until(async () => {
    const v = await video(page);
    return !v.paused && v.t >= target + 2 && v.t < target + 30 ? v : null;
  }, 30000);
  check('DVR: after seeking back it plays on from there (2 s and more past ' +
    target.toFixed(1) + ')', moved, JSON.stringify(await video(page)));
  const back = await video(page);
  check('DVR: it plays far behind live (' + (back.end - back.t).toFixed(1) + ' s behind)',
    back.end - back.t >= DVR_S * 0.4, JSON.stringify(back));
  await page.screenshot({ path: ART + '/dvr.png' }).catch(() => {});
  await ctx.cleanup();
  finish();
}

main().catch((e) => {
  console.log('FAIL dvr.mjs: ' + (e && e.stack ? e.stack : e));
  process.exit(1);
});
