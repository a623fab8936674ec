// The corpora of the privacy benchmarks (bench/privacy-cost.ts, bench/privacy-ab.ts): ~8 KB prompts built from the
// evaluation set's sentences, one in `every` with personal data (5 by default), or none (`every` 0).

import { loadEvalCases } from '../test/privacy/eval/score.js';

export function privacyPrompts(langs: (lang: string) => boolean, every = 5): string[] {
  const cases = loadEvalCases();
  const negatives = cases.filter((c) => c.kind === 'negative' && langs(c.lang)).map((c) => c.text);
  const positives = cases.filter((c) => c.kind === 'positive' && langs(c.lang)).map((c) => c.text);
  const out: string[] = [];
  let text = '';
  for (let i = 0; out.length < 24; i++) {
    text +=
      (every > 0 && i % every === every - 1 ? positives[i % positives.length] : negatives[i % negatives.length]) + ' ';
    if (text.length >= 8192) {
      out.push(text);
      text = '';
    }
  }
  return out;
}

/**
 * The same prompts as a word processor or a phone writes them: typographic apostrophes and quotes (`’`, `“`, `”`). One
 * such character makes V8 store the whole text with two bytes a character, which regexes read differently.
 */
export function typographic(prompts: readonly string[]): string[] {
  return prompts.map((t) => `“${t.trim().replace(/'/g, '’')}”`);
}
