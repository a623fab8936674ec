// A/B of the privacy filter: a baseline copy of src/ against the working tree, in alternating rounds in one process,
// CPU µs per KB of the bench:privacy corpora (whole filter) and per detector. Ratios within a run are what to compare
// on a shared machine; absolute figures move with the load.
// Usage: git archive <commit> src | tar x -C /tmp/base && ln -s "$PWD/node_modules" /tmp/base/node_modules
//        node --import tsx bench/privacy-ab.ts /tmp/base [rounds]

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { privacyPrompts, typographic } from './privacy-corpus.js';

const baseDir = process.argv[2];
if (!baseDir) {
  console.error('Usage: node --import tsx bench/privacy-ab.ts BASELINE_DIR [ROUNDS]');
  process.exit(2);
}
const rounds = Math.max(3, Number(process.argv[3] ?? 15) || 15);
const at = (path: string): string => pathToFileURL(resolve(baseDir, path)).href;
type Filter = { protect(messages: { role: 'user'; content: string }[]): unknown };
type Detector = { find(text: string): unknown[] };
const A = (await import(at('src/privacy/privacy-filter.js'))) as { createPrivacyFilter(): Filter };
const B = await import('../src/privacy/privacy-filter.js');
const DA = ((await import(at('src/privacy/detectors/index.js'))) as { DETECTORS: Record<string, Detector> }).DETECTORS;
const DB = (await import('../src/privacy/detectors/index.js')).DETECTORS as unknown as Record<string, Detector>;

const english = (l: string): boolean => l === 'en' || l === 'mixed' || l === 'id';
const corpora = {
  english: privacyPrompts(english),
  mixed: privacyPrompts(() => true),
  englishNoPii: privacyPrompts(english, 0),
  englishTypographic: typographic(privacyPrompts(english)),
};
const kb = (texts: string[]): number => texts.reduce((n, t) => n + t.length, 0) / 1024;
const cpu = (f: () => void, texts: string[]): number => {
  const s = process.cpuUsage();
  f();
  const d = process.cpuUsage(s);
  return (d.user + d.system) / kb(texts);
};
const median = (v: number[]): number => [...v].sort((p, q) => p - q)[Math.floor(v.length / 2)];

function ab(name: string, texts: string[], a: () => void, b: () => void): void {
  const w = performance.now();
  while (performance.now() - w < 1000) {
    a();
    b();
  }
  const xa: number[] = [];
  const xb: number[] = [];
  for (let i = 0; i < rounds; i++) {
    xa.push(cpu(a, texts));
    xb.push(cpu(b, texts));
  }
  const best = (v: number[]): number => Math.min(...v);
  console.log(
    `${name.padEnd(24)} base ${median(xa).toFixed(1).padStart(6)} (best ` +
      `${best(xa).toFixed(1).padStart(6)})  new ${median(xb).toFixed(1).padStart(6)} (best ` +
      `${best(xb).toFixed(1).padStart(6)}) µs/KB  new/base ` +
      `${(median(xb) / median(xa)).toFixed(2)} (bests ${(best(xb) / best(xa)).toFixed(2)})`,
  );
}

const fa = A.createPrivacyFilter();
const fb = B.createPrivacyFilter();
console.log(
  `load average ${(await import('node:os'))
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}, ${rounds} alternating rounds`,
);
for (const [name, texts] of Object.entries(corpora)) {
  ab(
    `filter, ${name}`,
    texts,
    () => texts.forEach((t) => fa.protect([{ role: 'user', content: t }])),
    () => texts.forEach((t) => fb.protect([{ role: 'user', content: t }])),
  );
}
const only = process.argv[4]?.split(',');
for (const category of Object.keys(DB)) {
  if (only && !only.includes(category)) continue;
  for (const corpus of ['english', 'englishTypographic'] as const) {
    const texts = corpora[corpus];
    ab(
      `${category}, ${corpus}`,
      texts,
      () => texts.forEach((t) => DA[category]?.find(t)),
      () => texts.forEach((t) => DB[category].find(t)),
    );
  }
}
