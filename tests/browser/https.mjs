// The player page over HTTPS from the edge, in headless Chromium that trusts
// the test's CA (an NSS store in TRUST_HOME/.pki/nssdb, made by the test with
// certutil), and refused by a Chromium that does not trust it.
//
// env: HTTPS_WATCH_URL, TRUST_HOME, ARTIFACTS
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check, finish, launch, until } from './lib.mjs';

const URL_ = process.env.HTTPS_WATCH_URL;
const ART = process.env.ARTIFACTS || '.';

async function main() {
  const ctx = await launch({ home: process.env.TRUST_HOME });
  const page = await ctx.newPage();
  const resp = await page.goto(URL_, { waitUntil: 'load' });
  check('Chromium with the test CA loads the player over HTTPS', resp && resp.ok(), resp && resp.status());
  check('the page is https', page.url().startsWith('https://'));
  const st = () => page.evaluate(() => window.cdnPlayer && window.cdnPlayer.state);
  const ct = () => page.evaluate(() => document.getElementById('video').currentTime);
  check('it plays the stream over HTTPS', await until(async () => (await st()) === 'live' && (await ct()) > 2, 40000),
    await st());
  const fatal = await page.evaluate(() => window.cdnPlayer.fatalErrors.slice());
  check('with no fatal hls.js error', fatal.length === 0, fatal.join(','));
  await page.screenshot({ path: ART + '/player-https.png' });
  await ctx.cleanup();

  // Without the CA, the same URL is refused by the browser.
  const bare = mkdtempSync(join(tmpdir(), 'cdn-home-'));
  const ctx2 = await launch({ home: bare });
  const p2 = await ctx2.newPage();
  let err = '';
  try {
    await p2.goto(URL_, { waitUntil: 'load', timeout: 15000 });
  } catch (e) {
    err = String(e.message || e);
  }
  check('Chromium without the test CA refuses the certificate', /ERR_CERT_AUTHORITY_INVALID|ERR_CERT/.test(err), err.split('\n')[0]);
  await ctx2.cleanup();
  rmSync(bare, { recursive: true, force: true });
}

main().then(finish, (e) => {
  check('the browser test ran to its end', false, e && e.stack);
  finish();
});
