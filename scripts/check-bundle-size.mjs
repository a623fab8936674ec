#!/usr/bin/env node
// Checks the UI's initial JavaScript (what index.html loads before any user action) against its gzip budget.
// Usage: node scripts/check-bundle-size.mjs [distDir] [--budget-kb=60] [--json]

import { readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

const args = process.argv.slice(2);
const distDir = resolve(args.find((a) => !a.startsWith('--')) ?? 'web/dist');
const budgetKb = Number(args.find((a) => a.startsWith('--budget-kb='))?.split('=')[1] ?? 60);
const asJson = args.includes('--json');

const indexPath = join(distDir, 'index.html');
if (!existsSync(indexPath)) {
  console.error(`No ${indexPath}: run \`npm run build:web\` first.`);
  process.exit(2);
}
const html = readFileSync(indexPath, 'utf8');

/** Same-origin scripts and module preloads referenced by index.html, plus their static imports. */
const initial = new Set();
for (const match of html.matchAll(/<script[^>]*\ssrc="([^"]+)"[^>]*>|<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"[^>]*>/g)) {
  const url = match[1] ?? match[2];
  if (/^(https?:)?\/\//.test(url)) {
    console.error(`index.html loads a third-party script: ${url}`);
    process.exit(1);
  }
  initial.add(url.replace(/^\//, ''));
}
// Follow static `import ... from "./x.js"` between chunks (dynamic import() is lazy and not counted).
const queue = [...initial];
while (queue.length > 0) {
  const file = queue.pop();
  const code = readFileSync(join(distDir, file), 'utf8');
  for (const match of code.matchAll(/(?:^|[;}\s])import\s*(?:[\w*{}\s,$]+from\s*)?["']([^"']+\.js)["']/g)) {
    const target = join(file, '..', match[1]).replace(/\\/g, '/');
    if (!initial.has(target)) {
      initial.add(target);
      queue.push(target);
    }
  }
}

const files = [...initial].map((file) => {
  const body = readFileSync(join(distDir, file));
  return { file, bytes: body.length, gzipBytes: gzipSync(body, { level: 9 }).length };
});
const total = files.reduce((sum, f) => sum + f.gzipBytes, 0);
const budget = budgetKb * 1024;
const ok = files.length > 0 && total <= budget;
if (asJson) {
  console.log(JSON.stringify({ files, totalGzipBytes: total, budgetBytes: budget, ok }));
} else {
  for (const f of files) console.log(`${f.file}: ${(f.bytes / 1024).toFixed(1)} KB, ${(f.gzipBytes / 1024).toFixed(1)} KB gzipped`);
  console.log(`Initial JavaScript: ${(total / 1024).toFixed(1)} KB gzipped (budget ${budgetKb} KB) — ${ok ? 'OK' : 'OVER BUDGET'}`);
}
process.exit(ok ? 0 : 1);
