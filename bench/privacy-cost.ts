// Privacy filter cost in CPU µs per KB of prompt (English and mixed-language prose), and the gazetteer's start-up time
// and memory.
// CPU time (process.cpuUsage), not wall time, so that other processes on a shared machine change the figures less.
// Usage: npm run bench:privacy [-- --rounds N]   (writes bench/results/privacy-cost.json)
// Corpora: ~8 KB prompts of the evaluation set's sentences, one in five with personal data (dense) or none (NoPii), and
// the English one with typographic quotes (stored with two bytes a character).

import { writeFileSync } from 'node:fs';

// The package's name lists are plain CommonJS: loading them here, outside the TypeScript loader, is what start-up
// costs.
const { createRequire } = await import('node:module');
const require = createRequire(import.meta.url);
const heap0 = process.memoryUsage().heapUsed;
const cpu0 = process.cpuUsage();
for (const lang of ['en', 'de', 'fr', 'es', 'it']) require(`gender-detection-from-name/names/${lang}.js`);
const { GIVEN_NAMES } = await import('../src/privacy/detectors/gazetteer.js');
const cpuLoad = process.cpuUsage(cpu0);
const gazetteer = {
  names: GIVEN_NAMES.size,
  loadCpuMs: (cpuLoad.user + cpuLoad.system) / 1000,
  heapMb: (process.memoryUsage().heapUsed - heap0) / 1048576,
};

const { createPrivacyFilter } = await import('../src/privacy/privacy-filter.js');
const { privacyPrompts, typographic } = await import('./privacy-corpus.js');
const { ALL_CATEGORIES, PERSONAL_CATEGORIES } = await import('../src/privacy/types.js');

const roundsArg = process.argv.indexOf('--rounds');
const rounds = roundsArg > 0 ? Math.max(1, Number(process.argv[roundsArg + 1]) || 1) : 5;

// The categories added since the first generation (issue 16 and the named credentials).
const NEW = ['person', 'address', 'date_of_birth', 'national_id', 'passport', 'mac', 'url_credentials', 'credential'];
const filters = {
  all: createPrivacyFilter(),
  firstGeneration: createPrivacyFilter(Object.fromEntries(NEW.map((c) => [c, 'allow']))),
};

function usPerKb(filter: ReturnType<typeof createPrivacyFilter>, texts: string[]): number {
  const kb = texts.reduce((n, t) => n + t.length, 0) / 1024;
  // Warm up for 3 s: the regular expressions and the scan loops reach their optimised code only after many calls.
  const w = performance.now();
  while (performance.now() - w < 3000) for (const t of texts) filter.protect([{ role: 'user', content: t }]);
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const s = process.cpuUsage();
    for (const t of texts) filter.protect([{ role: 'user', content: t }]);
    const d = process.cpuUsage(s);
    samples.push((d.user + d.system) / kb);
  }
  return samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)];
}

const english = (l: string): boolean => l === 'en' || l === 'mixed' || l === 'id';
const corpora = {
  english: privacyPrompts(english),
  mixed: privacyPrompts(() => true),
  englishNoPii: privacyPrompts(english, 0),
  mixedNoPii: privacyPrompts(() => true, 0),
  englishTypographic: typographic(privacyPrompts(english)),
};
const short = 'Can you summarise the attached notes for me in three bullet points?';
const shortRuns = 20000;
for (let i = 0; i < shortRuns; i++) filters.all.protect([{ role: 'user', content: short }]);
const s0 = process.cpuUsage();
for (let i = 0; i < shortRuns; i++) filters.all.protect([{ role: 'user', content: short }]);
const c0 = process.cpuUsage(s0);
const shortPromptMs = (c0.user + c0.system) / 1000 / shortRuns;

const result = {
  date: new Date().toISOString(),
  node: process.version,
  rounds,
  categories: {
    all: ALL_CATEGORIES.length,
    personal: PERSONAL_CATEGORIES.length,
    firstGeneration: ALL_CATEGORIES.length - NEW.length,
  },
  gazetteer,
  usPerKb: {
    english: {
      all: usPerKb(filters.all, corpora.english),
      firstGeneration: usPerKb(filters.firstGeneration, corpora.english),
    },
    mixed: {
      all: usPerKb(filters.all, corpora.mixed),
      firstGeneration: usPerKb(filters.firstGeneration, corpora.mixed),
    },
    englishNoPii: {
      all: usPerKb(filters.all, corpora.englishNoPii),
      firstGeneration: usPerKb(filters.firstGeneration, corpora.englishNoPii),
    },
    mixedNoPii: {
      all: usPerKb(filters.all, corpora.mixedNoPii),
      firstGeneration: usPerKb(filters.firstGeneration, corpora.mixedNoPii),
    },
    englishTypographic: {
      all: usPerKb(filters.all, corpora.englishTypographic),
      firstGeneration: usPerKb(filters.firstGeneration, corpora.englishTypographic),
    },
  },
  shortPromptMs,
};
writeFileSync(new URL('./results/privacy-cost.json', import.meta.url), JSON.stringify(result, null, 2) + '\n');
console.log(JSON.stringify(result, null, 2));
