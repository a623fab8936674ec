// Compares name recognizers on the evaluation set: the gazetteer recognizer (shipped) and compromise's people()
// (tried).
// Usage: npx tsx scripts/compare-name-recognizers.ts   (prints a Markdown table for docs/privacy.md)

import { loadEvalCases, rates, scoreEval } from '../test/privacy/eval/score.js';
import type { Match } from '../src/privacy/types.js';

const cases = loadEvalCases();
const personCases = cases.filter((c) => c.kind === 'negative' || c.entities.some((e) => e.category === 'person'));
const text = personCases.map((c) => c.text).join('\n');
const kb = text.length / 1024;

async function measure(name: string, load: () => Promise<(t: string) => Match[]>): Promise<string> {
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const find = await load();
  find('warm up Jonathan Whitfield');
  const startMs = performance.now() - t0;
  const heapMb = (process.memoryUsage().heapUsed - heap0) / 1048576;
  for (let i = 0; i < 2; i++) find(text);
  const t1 = performance.now();
  const rounds = 3;
  for (let i = 0; i < rounds; i++) for (const c of personCases) find(c.text);
  const usPerKb = ((performance.now() - t1) * 1000) / rounds / kb;
  const s = scoreEval(personCases, (t) => find(t).filter((m) => m.category === 'person'));
  const r = rates(s.byCategory.person ?? { tp: 0, fp: 0, fn: 0 });
  const en = rates(s.byLang.en?.person ?? { tp: 0, fp: 0, fn: 0 });
  return (
    `| ${name} | ${r.recall.toFixed(3)} | ${r.precision.toFixed(3)} | ${en.recall.toFixed(3)} ` +
    `| ${en.precision.toFixed(3)} | ${usPerKb.toFixed(0)} | ${startMs.toFixed(0)} | ${heapMb.toFixed(1)} |`
  );
}

const rows = [
  await measure('gazetteer + titles + cues (shipped)', async () => {
    const { personDetector } = await import('../src/privacy/detectors/person.js');
    return (t) => personDetector.find(t).filter((m) => (m.score ?? 1) >= 0.5);
  }),
  await measure('compromise 14 `people()`', async () => {
    const { default: nlp } = await import('compromise');
    return (t) => {
      const out: Match[] = [];
      for (const p of nlp(t).people().json({ offset: true }) as {
        text: string;
        offset: { start: number; length: number };
      }[]) {
        const value = t.slice(p.offset.start, p.offset.start + p.offset.length).replace(/[\s,.;:!?]+$/, '');
        out.push({ category: 'person', start: p.offset.start, end: p.offset.start + value.length, value });
      }
      return out;
    };
  }),
];
console.log(`Person names, ${personCases.length} cases (${kb.toFixed(0)} KB): all languages and English only.\n`);
console.log('| recognizer | recall | precision | recall (en) | precision (en) | µs per KB | start-up ms | heap MB |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
