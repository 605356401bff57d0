// Shared by the browser tests: Debian's chromium driven by npm's
// playwright-core (installed in www/node_modules by scripts/setup), and
// TAP-like output the shell wrappers count ("ok ..." / "FAIL ...").
import { createRequire } from 'node:module';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(new URL('../../www/package.json', import.meta.url));

export const results = { passed: 0, failed: 0 };

export function check(name, cond, detail) {
  if (cond) {
    results.passed++;
    console.log('ok   ' + name);
  } else {
    results.failed++;
    console.log('FAIL ' + name + (detail !== undefined ? ' (' + detail + ')' : ''));
  }
  return !!cond;
}

// The flags FIELD-NOTES found necessary on this machine's closed network.
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--autoplay-policy=no-user-gesture-required'];

// opts.home: a HOME for the browser (its NSS certificate store lives in
// HOME/.pki/nssdb: that is how a test makes it trust a test CA).
export async function launch(opts = {}) {
  let pw;
  try {
    pw = require('playwright-core');
  } catch (e) {
    console.log('FAIL playwright-core is missing: run scripts/setup (it runs npm ci in www/)');
    process.exit(1);
  }
  const exe = process.env.CHROMIUM || '/usr/bin/chromium';
  if (!existsSync(exe)) {
    console.log('FAIL ' + exe + ' is missing: apt-get install chromium (scripts/setup does)');
    process.exit(1);
  }
  const profile = mkdtempSync(join(tmpdir(), 'cdn-chromium-'));
  const ctx = await pw.chromium.launchPersistentContext(profile, {
    executablePath: exe, headless: true, args: FLAGS, viewport: { width: 1100, height: 800 },
    env: opts.home ? { ...process.env, HOME: opts.home } : process.env,
  });
  ctx.cleanup = async () => {
    await ctx.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
  };
  return ctx;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Poll fn() until it returns a truthy value or timeout_ms passes; returns the value or null.
export async function until(fn, timeoutMs, stepMs = 250) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    let v = null;
    try { v = await fn(); } catch (e) { v = null; }
    if (v) return v;
    if (Date.now() > end) return null;
    await sleep(stepMs);
  }
}

export function finish() {
  console.log(results.passed + ' passed, ' + results.failed + ' failed');
  process.exit(results.failed ? 1 : 0);
}
