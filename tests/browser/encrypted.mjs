// An AES-128 encrypted stream in headless Chromium: hls.js on the player
// page fetches the key with the page's token, decrypts and plays; without a
// token the key is refused and nothing plays.
//
// env: WATCH_URL (the edge's /watch/<stream>), TOKEN, ARTIFACTS
import { check, finish, launch, until } from './lib.mjs';

const W = process.env.WATCH_URL;
const ART = process.env.ARTIFACTS || '.';

async function main() {
  const ctx = await launch();
  const page = await ctx.newPage();
  const keyAnswers = [];
  page.on('response', (r) => { if (/\.key(\?|$)/.test(r.url())) keyAnswers.push(r.status()); });
  await page.goto(W + '?token=' + encodeURIComponent(process.env.TOKEN), { waitUntil: 'load' });
  const ct = (p) => p.evaluate(() => document.getElementById('video').currentTime);
  const playing = await until(async () => (await ct(page)) > 3, 40000);
  check('hls.js decrypts and plays the AES-128 stream with the page\'s token', playing,
    'currentTime ' + (await ct(page)));
  check('the engine is hls.js', (await page.evaluate(() => window.cdnPlayer.engine)) === 'hls.js');
  check('it fetched the key (200)', keyAnswers.includes(200), keyAnswers.join(','));
  const fatal = await page.evaluate(() => window.cdnPlayer.fatalErrors.slice());
  check('no fatal hls.js error', fatal.length === 0, fatal.join(','));
  await page.screenshot({ path: ART + '/player-encrypted.png' });

  const bare = await ctx.newPage();
  const bareKeys = [];
  bare.on('response', (r) => { if (/\.key(\?|$)/.test(r.url())) bareKeys.push(r.status()); });
  await bare.goto(W, { waitUntil: 'load' });
  const refused = await until(async () => bareKeys.includes(403), 20000);
  check('without a token the key is refused (403)', refused, bareKeys.join(','));
  const errs = await bare.evaluate(() => window.cdnPlayer.errors.slice());
  check('hls.js reports the key load error', errs.some((e) => /keyLoad/i.test(e)), errs.join(','));
  check('and nothing plays', (await ct(bare)) === 0, await ct(bare));
  await ctx.cleanup();
}

main().then(finish, (e) => {
  check('the browser test ran to its end', false, e && e.stack);
  finish();
});
