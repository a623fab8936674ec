// Differential check of the privacy filter: a baseline copy of src/ against the working tree, over the evaluation set,
// the PII fixtures, the bench corpora and variants of them. Compares every detector's findings, detect()'s and
// protect()'s output (messages, mapping, counts; one session carried over consecutive texts so that known persons'
// bare mentions are exercised). Exits 1 on any difference. Speed work must leave it at 0.
// Usage: git archive <commit> src | tar x -C /tmp/base && ln -s "$PWD/node_modules" /tmp/base/node_modules
//        node --import tsx scripts/privacy-differential.ts /tmp/base

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { privacyPrompts } from '../bench/privacy-corpus.js';

const baseDir = process.argv[2];
if (!baseDir) {
  console.error('Usage: node --import tsx scripts/privacy-differential.ts BASELINE_DIR');
  process.exit(2);
}
type Messages = { role: 'user' | 'assistant'; content: string }[];
type Filter = { protect(messages: Messages, mapping?: Record<string, string>): unknown };
type Detector = { find(text: string): unknown[] };
interface Side {
  createPrivacyFilter(policy?: Record<string, string>): Filter;
  DETECTORS: Record<string, Detector>;
  detect(text: string): unknown[];
}
async function load(root: string): Promise<Side> {
  const at = (p: string): string => pathToFileURL(resolve(root, p)).href;
  const filter = await import(at('src/privacy/privacy-filter.js'));
  const detectors = await import(at('src/privacy/detectors/index.js'));
  return { createPrivacyFilter: filter.createPrivacyFilter, DETECTORS: detectors.DETECTORS, detect: detectors.detect };
}
const A = await load(baseDir);
const B = await load(resolve(import.meta.dirname, '..'));

const jsonl = (path: string): string[] =>
  readFileSync(new URL(path, import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => (JSON.parse(l) as { text: string }).text);
const base = [...jsonl('../test/privacy/eval/cases.jsonl'), ...jsonl('../test/fixtures/pii/cases.jsonl')];
const english = (l: string): boolean => l === 'en' || l === 'mixed' || l === 'id';
const corpora = [
  ...privacyPrompts(english),
  ...privacyPrompts(() => true),
  ...privacyPrompts(english, 0),
  ...privacyPrompts(() => true, 0),
  ...privacyPrompts(() => true, 2),
];

// Variants: case changes, joined neighbours (names seen earlier in the same text), whitespace and punctuation changes,
// halves, accents stripped, titles and cues added, characters that lower-case oddly.
function variants(texts: readonly string[]): string[] {
  const out: string[] = [];
  texts.forEach((t, i) => {
    const next = texts[(i + 1) % texts.length];
    const later = texts[(i + 7) % texts.length];
    out.push(
      t.toUpperCase(),
      t.toLowerCase(),
      `${t} ${next}`,
      `${t}\n\n${later} ${t}`,
      t.replace(/ /g, '  '),
      t.replace(/ /g, '\n'),
      t.replace(/[.,]/g, ''),
      t.normalize('NFD').replace(/\p{M}/gu, ''),
      t.slice(0, Math.floor(t.length / 2)),
      t.slice(Math.floor(t.length / 3)),
      `Mr ${t}`,
      `Dear ${t.replace(/^\S+\s/, '')}`,
      t.replace(/(\d)/g, '$1 '),
      t.replace(/\b(\w)/g, (c) => c.toUpperCase()),
      t.replace(/s/g, 'ſ').replace(/k/g, '\u212a'), // characters case-insensitive patterns and lower-casing read differently
      t.replace(/i/, 'İ'),
      // Two bytes a character in V8 (scans take another path there): typographic quotes, a dash, Greek and Cyrillic.
      t.replace(/'/g, '’'),
      `— ${t}`,
      t.replace(/a/g, 'α').replace(/o/g, 'о'),
    );
  });
  return out;
}

const policies: Record<string, Record<string, string>> = {
  default: {},
  redact: {
    person: 'redact',
    address: 'redact',
    email: 'redact',
    phone: 'redact',
    jwt: 'redact',
    aws_key: 'redact',
    anthropic_key: 'redact',
    openai_key: 'redact',
    github_token: 'redact',
    stripe_key: 'redact',
    private_key: 'redact',
  },
};

let differences = 0;
let compared = 0;
const report = (what: string, text: string, a: unknown, b: unknown): void => {
  if (++differences <= 10)
    console.log(
      `DIFFERENT ${what}\n  text: ${JSON.stringify(text.slice(0, 300))}\n  base: ` +
        `${JSON.stringify(a).slice(0, 400)}\n  new:  ${JSON.stringify(b).slice(0, 400)}`,
    );
};
const same = (what: string, text: string, fa: () => unknown, fb: () => unknown): void => {
  compared++;
  let a: unknown;
  let b: unknown;
  try {
    a = fa();
  } catch (e) {
    a = { threw: String(e) };
  }
  try {
    b = fb();
  } catch (e) {
    b = { threw: String(e) };
  }
  const ja = JSON.stringify(a);
  if (ja !== JSON.stringify(b)) report(what, text, a, b);
};

function check(name: string, texts: readonly string[]): void {
  const before = differences;
  for (const t of texts) {
    same(
      'detect',
      t,
      () => A.detect(t),
      () => B.detect(t),
    );
    for (const category of Object.keys(B.DETECTORS))
      same(
        `detector ${category}`,
        t,
        () => A.DETECTORS[category].find(t),
        () => B.DETECTORS[category].find(t),
      );
  }
  for (const [policy, p] of Object.entries(policies)) {
    const fa = A.createPrivacyFilter(p);
    const fb = B.createPrivacyFilter(p);
    // One session per 20 texts: the mapping grows, so later texts meet known persons.
    let ma: Record<string, string> = {};
    let mb: Record<string, string> = {};
    texts.forEach((t, i) => {
      if (i % 20 === 0) {
        ma = {};
        mb = {};
      }
      const role = i % 3 === 2 ? 'assistant' : 'user';
      let ra: { mapping?: Record<string, string> } = {};
      let rb: { mapping?: Record<string, string> } = {};
      same(
        `protect ${policy}`,
        t,
        () => (ra = fa.protect([{ role, content: t }], ma) as typeof ra),
        () => (rb = fb.protect([{ role, content: t }], mb) as typeof rb),
      );
      if (ra.mapping) ma = ra.mapping;
      if (rb.mapping) mb = rb.mapping;
    });
  }
  console.log(`${name}: ${texts.length} texts, ${differences - before} differences`);
}

check('evaluation set and PII fixtures', base);
check('bench corpora', corpora);
check('variants of the evaluation set and fixtures', variants(base));
check('variants of the bench corpora', variants(corpora));
console.log(`${compared} comparisons, ${differences} differences`);
process.exit(differences === 0 ? 0 : 1);
