// Renders docs/diagrams/*.mmd to SVG with @mermaid-js/mermaid-cli in Debian's Chromium; stamps each SVG with its
// source's hash.
// Run: npm run diagrams (needs `apt-get install chromium`; PUPPETEER_EXECUTABLE_PATH overrides /usr/bin/chromium).

import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderMermaid } from '@mermaid-js/mermaid-cli';
import puppeteer from 'puppeteer';
import { stamp } from './diagram-stamp.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = join(root, 'docs', 'diagrams');

async function main(): Promise<void> {
  const config = JSON.parse(await readFile(join(root, 'scripts', 'puppeteer-config.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  if (process.env.PUPPETEER_EXECUTABLE_PATH) config.executablePath = process.env.PUPPETEER_EXECUTABLE_PATH;
  const sources = (await readdir(dir)).filter((f) => f.endsWith('.mmd')).sort();
  const browser = await puppeteer.launch(config);
  try {
    for (const name of sources) {
      const source = await readFile(join(dir, name), 'utf8');
      const { data } = await renderMermaid(browser, source, 'svg', { mermaidConfig: { theme: 'default' } });
      const svg = Buffer.from(data).toString('utf8');
      await writeFile(join(dir, name.replace(/\.mmd$/, '.svg')), `${stamp(name, source)}\n${svg}\n`);
      console.log(`rendered docs/diagrams/${name.replace(/\.mmd$/, '.svg')}`);
    }
  } finally {
    await browser.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
