// Copies the browser files the pages load from node_modules into vendor/,
// so the origin serves them itself (no third-party CDN). Run by
// scripts/setup after `npm ci`.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const files = [
  ['node_modules/hls.js/dist/hls.min.js', 'vendor/hls.min.js'],
  ['node_modules/hls.js/LICENSE', 'vendor/hls.js.LICENSE'],
];
mkdirSync(join(here, 'vendor'), { recursive: true });
for (const [from, to] of files) copyFileSync(join(here, from), join(here, to));
console.log('www: vendor/ has ' + files.map((f) => f[1]).join(', '));
