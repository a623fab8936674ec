// Scores the recognizers on the evaluation set: per category and language, overlap-based, with the misses by kind.

import { readFileSync } from 'node:fs';
import { detect } from '../../../src/privacy/detectors/index.js';
import type { Match } from '../../../src/privacy/types.js';

export interface EvalEntity {
  category: string;
  start: number;
  end: number;
  value: string;
  kind?: string;
}
export interface EvalCase {
  id: string;
  lang: string;
  kind: 'positive' | 'negative';
  text: string;
  entities: EvalEntity[];
  note: string;
}
export interface Tally {
  tp: number;
  fp: number;
  fn: number;
}
export interface EvalError {
  id: string;
  lang: string;
  type: 'fn' | 'fp';
  category: string;
  value: string;
  note: string;
}

/** Loads test/privacy/eval/cases.jsonl. */
export function loadEvalCases(): EvalCase[] {
  return readFileSync(new URL('./cases.jsonl', import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as EvalCase);
}

/**
 * An expected entity is found when findings of its category cover at least 90% of its characters
 * (a name or address left half visible is a miss); a finding is a false positive when it overlaps
 * no expected entity of its category.
 */
export function scoreEval(cases: readonly EvalCase[], find: (text: string) => Match[] = (t) => detect(t)) {
  const byCategory: Record<string, Tally> = {};
  const byLang: Record<string, Record<string, Tally>> = {};
  const byKind: Record<string, Tally> = {};
  const errors: EvalError[] = [];
  const tally = (cat: string, lang: string): [Tally, Tally] => {
    byCategory[cat] ??= { tp: 0, fp: 0, fn: 0 };
    byLang[lang] ??= {};
    byLang[lang][cat] ??= { tp: 0, fp: 0, fn: 0 };
    return [byCategory[cat], byLang[lang][cat]];
  };
  for (const c of cases) {
    const found = find(c.text);
    for (const e of c.entities) {
      let covered = 0;
      for (const f of found)
        if (f.category === e.category) covered += Math.max(0, Math.min(f.end, e.end) - Math.max(f.start, e.start));
      const ok = covered >= 0.9 * (e.end - e.start);
      for (const t of tally(e.category, c.lang)) {
        if (ok) t.tp++;
        else t.fn++;
      }
      if (e.kind) {
        byKind[e.kind] ??= { tp: 0, fp: 0, fn: 0 };
        if (ok) byKind[e.kind].tp++;
        else byKind[e.kind].fn++;
      }
      if (!ok) errors.push({ id: c.id, lang: c.lang, type: 'fn', category: e.category, value: e.value, note: c.note });
    }
    for (const f of found) {
      if (c.entities.some((e) => e.category === f.category && f.start < e.end && f.end > e.start)) continue;
      for (const t of tally(f.category, c.lang)) t.fp++;
      errors.push({ id: c.id, lang: c.lang, type: 'fp', category: f.category, value: f.value, note: c.note });
    }
  }
  return { byCategory, byLang, byKind, errors };
}

/** Recall and precision of a tally (1 when there is nothing to measure). */
export const rates = (t: Tally): { recall: number; precision: number } => ({
  recall: t.tp + t.fn === 0 ? 1 : t.tp / (t.tp + t.fn),
  precision: t.tp + t.fp === 0 ? 1 : t.tp / (t.tp + t.fp),
});
