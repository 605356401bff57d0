// The operators' dashboard in headless Chromium: login (wrong and right
// token), the live stream and the edge listed, drain and undrain through the
// announcer (seen in the edge's own /healthz), the customer's bandwidth chart,
// a stream key made in the page and used at once by a publisher (the page
// shows the new stream without a reload), CSRF and anonymous access refused,
// a phone-sized screen, logout.
//
// env: ORIGIN_URL, TOKEN (admin), EDGE_NAME, EDGE_URL, CUSTOMER, STREAM,
//      RTMP_BASE (rtmp://host:port/live), FFMPEG, ARTIFACTS
import { spawn } from 'node:child_process';
import { check, finish, launch, sleep, until } from './lib.mjs';

const O = process.env.ORIGIN_URL;
const TOKEN = process.env.TOKEN;
const EDGE = process.env.EDGE_NAME;
const EDGE_URL = process.env.EDGE_URL;
const CUSTOMER = process.env.CUSTOMER;
const STREAM = process.env.STREAM;
const ART = process.env.ARTIFACTS || '.';
const FFMPEG = process.env.FFMPEG || 'ffmpeg';
let pub = null;
process.on('exit', () => { if (pub && pub.exitCode === null) pub.kill('SIGKILL'); });

async function edgeHealth() {
  const r = await fetch(EDGE_URL + '/healthz');
  const j = await r.json().catch(() => ({}));
  return { code: r.status, status: j.status };
}

async function main() {
  // ---- anonymous ------------------------------------------------------------------
  const anon = await fetch(O + '/dashboard/api/v1/streams');
  check('anonymous: the dashboard API answers 401', anon.status === 401, anon.status);
  const anonKeys = await fetch(O + '/dashboard/api/v1/keys', { method: 'POST', body: 'customer=x&stream=y' });
  check('anonymous: an action answers 401', anonKeys.status === 401, anonKeys.status);
  const anonPage = await fetch(O + '/dashboard', { redirect: 'manual' });
  check('anonymous: /dashboard redirects to the login',
    anonPage.status === 303 && anonPage.headers.get('location') === '/dashboard/login', anonPage.status);
  const anonJs = await fetch(O + '/dashboard/app.js');
  check('anonymous: the dashboard\'s script is not served', anonJs.status === 401, anonJs.status);
  const forged = await fetch(O + '/dashboard/api/v1/streams', { headers: { Cookie: 'cdn_session=' + 'a'.repeat(64) } });
  check('a forged session cookie answers 401', forged.status === 401, forged.status);

  const ctx = await launch();
  const page = await ctx.newPage();
  page.on('dialog', (d) => d.accept());
  await page.goto(O + '/dashboard', { waitUntil: 'load' });
  check('the browser lands on the login page', new URL(page.url()).pathname === '/dashboard/login', page.url());

  // ---- login ------------------------------------------------------------------------
  await page.fill('#token', 'not-the-token');
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  check('login fails with a wrong token (back on the login page)',
    new URL(page.url()).pathname === '/dashboard/login');
  check('and says so', (await page.isVisible('#failed')) && /wrong token/i.test(await page.textContent('#failed')));
  check('and sets no session cookie', !(await ctx.cookies(O + '/dashboard/')).some((c) => c.name === 'cdn_session'));

  await page.fill('#token', TOKEN);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  check('login with the admin token opens the dashboard', new URL(page.url()).pathname === '/dashboard', page.url());
  const cookie = (await ctx.cookies(O + '/dashboard/')).find((c) => c.name === 'cdn_session');
  check('the session cookie is HttpOnly and SameSite=Strict',
    cookie && cookie.httpOnly && cookie.sameSite === 'Strict', JSON.stringify(cookie));
  check('the page cannot read it (document.cookie)',
    !(await page.evaluate(() => document.cookie)).includes('cdn_session'));

  // ---- live streams ---------------------------------------------------------------------
  const row = 'tr[data-stream="' + STREAM + '"]';
  check('it lists the live stream', await until(() => page.isVisible(row), 15000));
  const rowText = await page.textContent(row);
  check('with its customer, codecs and resolution', rowText.includes(CUSTOMER) &&
    /avc1\./.test(rowText) && rowText.includes('320×240'), rowText);
  check('and a preview that plays', await until(() => page.evaluate((r) => {
    const v = document.querySelector(r + ' video');
    return v && v.currentTime > 1;
  }, row), 30000));

  // ---- edges -----------------------------------------------------------------------------
  const erow = 'tr[data-edge="' + EDGE + '"]';
  check('it lists the edge', await until(() => page.isVisible(erow), 15000));
  check('the edge is healthy', await until(async () =>
    (await page.getAttribute(erow, 'data-health')) === 'ok', 10000));
  check('the edge\'s /healthz agrees (200 ok)', (await edgeHealth()).code === 200);
  check('the hit ratio and bytes served are shown', /%/.test(await page.textContent(erow + ' td:nth-child(4)')) &&
    /B/.test(await page.textContent(erow + ' td:nth-child(5)')));

  // CSRF: the same session, an action without the token, from the page itself.
  const noCsrf = await page.evaluate(async (e) => (await fetch('/dashboard/api/v1/edges/' + e + '/drain',
    { method: 'POST' })).status, EDGE);
  check('an action without the CSRF token is refused (403)', noCsrf === 403, noCsrf);
  check('and the edge is still not draining', (await edgeHealth()).status === 'ok');

  await page.click(erow + ' button[data-action="drain"]');
  const drained = await until(async () => (await edgeHealth()).status === 'draining', 10000);
  check('the drain button drains the edge (its /healthz says draining, 503)', drained &&
    (await edgeHealth()).code === 503);
  check('the dashboard shows it draining', await until(async () =>
    (await page.getAttribute(erow, 'data-health')) === 'draining', 10000));
  await page.screenshot({ path: ART + '/dashboard-draining.png', fullPage: true });
  await until(() => page.isVisible(erow + ' button[data-action="undrain"]'), 10000);
  await page.click(erow + ' button[data-action="undrain"]');
  check('the undrain button brings it back (/healthz 200 ok)',
    await until(async () => (await edgeHealth()).code === 200, 10000));

  // ---- customers: chart, keys -------------------------------------------------------------
  const card = '.customer[data-customer="' + CUSTOMER + '"]';
  check('the customer\'s bandwidth chart renders', await until(() => page.isVisible(card + ' svg.bw-chart path.line-out'), 15000));
  const points = await page.evaluate((c) => {
    const d = document.querySelector(c + ' svg.bw-chart path.line-out').getAttribute('d');
    return (d.match(/[ML]/g) || []).length;
  }, card);
  check('with one point per 5-minute bucket of the month so far', points >= 1, points);
  // The billing line is the report's own figure, whatever it is this early in a month.
  const today = new Date().toISOString().slice(0, 10);
  const rep = await (await fetch(O + '/api/v1/report?customer=' + CUSTOMER + '&from=' +
    today.slice(0, 8) + '01&to=' + today + '&series=1', { headers: { Authorization: 'Bearer ' + TOKEN } })).json();
  check('and the 95th-percentile line, at the report\'s figure',
    (await page.locator(card + ' svg.bw-chart line.line-p95').count()) === 1 &&
    (await page.textContent(card + ' svg.bw-chart')).includes(rep.report.p95_mbps.toFixed(3) + ' Mbit/s'),
    rep.report.p95_mbps);
  check('and the month\'s bytes', /Month to date: [1-9]/.test(await page.textContent(card + ' .figures')),
    await page.textContent(card + ' .figures'));

  await page.fill(card + ' input[name=stream]', 'cam2');
  await page.click(card + ' form.inline button[type=submit]');
  check('a stream key is created from the page', await until(() => page.isVisible(card + ' .newkey .stream-key'), 10000));
  const key = (await page.textContent(card + ' .newkey .stream-key')).trim();
  const rtmp = (await page.textContent(card + ' .newkey .rtmp-url')).trim();
  check('it shows the RTMP URL and the key to copy', /^sk_/.test(key) && /^rtmp:\/\//.test(rtmp), key + ' ' + rtmp);
  check('and lists it', await until(async () => (await page.textContent(card + ' .keys')).includes('cam2'), 10000));

  // Its DVR window and recording, as its next publish gets them (docs/dvr.md).
  const apiKey = async (stream) => (await (await fetch(O + '/api/v1/keys?customer=' + CUSTOMER,
    { headers: { Authorization: 'Bearer ' + TOKEN } })).json()).keys.find((k) => k.stream === stream);
  const kr = (stream) => card + ' .keys tr:has(td:text-is("' + stream + '"))';
  check('the key shows recording on (the origin\'s default here) and no DVR window',
    await until(async () => (await page.isChecked(kr('cam2') + ' input[data-action="record"]')) &&
      (await page.inputValue(kr('cam2') + ' select[data-action="dvr"]')) === '0', 10000));
  await page.selectOption(kr('cam2') + ' select[data-action="dvr"]', '5m');
  check('choosing a DVR window sets it (the API says 300 s)',
    await until(async () => (await apiKey('cam2')).dvr_window_s === 300, 10000), JSON.stringify(await apiKey('cam2')));
  await page.uncheck(kr('cam1') + ' input[data-action="record"]');
  check('unticking recording turns it off for cam1\'s next publish',
    await until(async () => (await apiKey('cam1')).record === false, 10000), JSON.stringify(await apiKey('cam1')));

  // The new key works: a publisher uses it, the page shows the stream without a reload.
  pub = spawn(FFMPEG, ['-nostdin', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25',
    '-t', '60', '-c:v', 'libx264', '-preset', 'veryfast', '-g', '50', '-pix_fmt', 'yuv420p', '-f', 'flv',
    process.env.RTMP_BASE + '/' + key], { stdio: ['ignore', 'ignore', 'inherit'] });
  const navs = [];
  page.on('framenavigated', (f) => { if (f === page.mainFrame()) navs.push(f.url()); });
  check('the new stream appears live without reloading the page',
    await until(() => page.isVisible('tr[data-stream="cam2"]'), 20000) && navs.length === 0);
  await page.screenshot({ path: ART + '/dashboard.png', fullPage: true });

  // A few seconds of it, for the recording below; then revoke it from the
  // page: the publisher is dropped, the stream leaves "live".
  await sleep(5000);
  const krow = card + ' .keys tr:has(td:text-is("cam2")) button[data-action="revoke"]';
  await page.click(krow);
  check('revoking the key from the page drops its publisher',
    await until(() => pub.exitCode !== null, 15000));

  // ---- recordings: cam2's event was recorded (the origin records every stream here) ------------
  const rrow = '#recordings-body tr[data-rec-stream="cam2"]';
  check('the ended event is listed under recordings', await until(() => page.isVisible(rrow), 30000));
  const href = await page.getAttribute(rrow + ' a.watch', 'href');
  check('with a link to the player for it', /^\/watch\/cam2\?vod=[a-z0-9]+$/.test(href || ''), href);
  const vp = await ctx.newPage();
  await vp.goto(O + href, { waitUntil: 'load' });
  const played = await until(() => vp.evaluate(() => {
    const v = document.getElementById('video');
    return window.cdnPlayer && window.cdnPlayer.vod && v.currentTime > 2 ? v.currentTime : null;
  }), 30000);
  const vstate = await vp.evaluate(() => ({ state: window.cdnPlayer.state, shown: document.getElementById('state').textContent,
    duration: document.getElementById('video').duration,
    pl: performance.getEntriesByType('resource').some((e) => /\/hls\/cam2\/vod-[a-z0-9]+\.m3u8$/.test(e.name)) }));
  check('the player plays the recording (' + (played ? played.toFixed(1) : '?') + ' s in)', played && vstate.pl,
    JSON.stringify(vstate));
  check('and says it is a recording', vstate.shown === 'recording', vstate.shown);
  await vp.close();
  await page.click(rrow + ' button[data-action="delete"]');
  check('the delete button deletes it', await until(async () => !(await page.isVisible(rrow)), 15000));
  const left = await (await fetch(O + '/api/v1/recordings', { headers: { Authorization: 'Bearer ' + TOKEN } })).json();
  check('and the API no longer lists it', !left.recordings.some((r) => r.stream === 'cam2'),
    JSON.stringify(left));

  // ---- on a phone ------------------------------------------------------------------------------
  await page.setViewportSize({ width: 390, height: 844 });
  await sleep(500);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check('on a phone-sized screen nothing overflows sideways', overflow <= 1, overflow + ' px');
  await page.screenshot({ path: ART + '/dashboard-phone.png', fullPage: true });

  // ---- logout ---------------------------------------------------------------------------------
  await Promise.all([page.waitForNavigation(), page.click('#logout-form button')]);
  check('logout goes back to the login page', new URL(page.url()).pathname === '/dashboard/login');
  const after = await page.evaluate(async () => (await fetch('/dashboard/api/v1/streams')).status);
  check('after logout the API answers 401', after === 401, after);
  await ctx.cleanup();
}

main().then(finish, (e) => {
  check('the browser test ran to its end', false, e && e.stack);
  finish();
});
