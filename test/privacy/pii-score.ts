// Span-level precision/recall of the detectors over the PII fixture set (shared by the test and
// scripts/measure-pii.ts).

import { readFileSync } from 'node:fs';
import { detect } from '../../src/privacy/detectors/index.js';
import { ALL_CATEGORIES, type Category } from '../../src/privacy/types.js';

export interface FixtureEntity {
  category: string;
  value: string;
  start: number;
  end: number;
}
export interface FixtureCase {
  id: string;
  kind: 'positive' | 'negative';
  text: string;
  entities: FixtureEntity[];
  note: string;
}

export interface CategoryScore {
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
}

export interface PiiScore {
  cases: number;
  positives: number;
  negatives: number;
  byCategory: Record<Category, CategoryScore>;
  /** Ids of cases with a miss or a false alarm, with what happened (for debugging). */
  errors: { id: string; kind: 'fp' | 'fn'; category: string; value: string }[];
}

/** Loads test/fixtures/pii/cases.jsonl. */
export function loadPiiCases(): FixtureCase[] {
  const file = new URL('../fixtures/pii/cases.jsonl', import.meta.url);
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as FixtureCase);
}

/** A prediction counts only if category, start and end all equal an expected entity. */
export function scorePii(cases: readonly FixtureCase[]): PiiScore {
  const counts = Object.fromEntries(ALL_CATEGORIES.map((c) => [c, { tp: 0, fp: 0, fn: 0 }])) as Record<
    Category,
    { tp: number; fp: number; fn: number }
  >;
  const errors: PiiScore['errors'] = [];
  for (const c of cases) {
    const found = detect(c.text);
    const key = (x: { category: string; start: number; end: number }): string => `${x.category}:${x.start}:${x.end}`;
    const expected = new Set(c.entities.map(key));
    const predicted = new Set(found.map(key));
    for (const f of found) {
      if (expected.has(key(f))) counts[f.category].tp++;
      else {
        counts[f.category].fp++;
        errors.push({ id: c.id, kind: 'fp', category: f.category, value: f.value });
      }
    }
    for (const e of c.entities) {
      if (!predicted.has(key(e))) {
        counts[e.category as Category].fn++;
        errors.push({ id: c.id, kind: 'fn', category: e.category, value: e.value });
      }
    }
  }
  const byCategory = {} as Record<Category, CategoryScore>;
  for (const cat of ALL_CATEGORIES) {
    const { tp, fp, fn } = counts[cat];
    byCategory[cat] = {
      tp,
      fp,
      fn,
      precision: tp + fp === 0 ? 1 : tp / (tp + fp),
      recall: tp + fn === 0 ? 1 : tp / (tp + fn),
    };
  }
  const positives = cases.filter((c) => c.kind === 'positive').length;
  return { cases: cases.length, positives, negatives: cases.length - positives, byCategory, errors };
}
