// The privacy recognizers measured on the generated evaluation set (test/privacy/eval/cases.jsonl): the issue-16 goals.

import { describe, expect, it } from 'vitest';
import { createPrivacyFilter } from '../../../src/privacy/privacy-filter.js';
import { compileAllowlist } from '../../../src/privacy/custom.js';
import { detect } from '../../../src/privacy/detectors/index.js';
import { BRANDS } from '../../../scripts/privacy-eval-templates.js';
import { CHECKSUM_KINDS } from '../../../scripts/privacy-eval-ids.js';
import { loadEvalCases, rates, scoreEval } from './score.js';

const cases = loadEvalCases();
const score = scoreEval(cases);

// Goals of issue 16 (names, addresses, dates of birth, checksum ids) and floors for the other new categories.
const GOALS: Record<string, { recall: number; precision: number }> = {
  person: { recall: 0.9, precision: 0.9 },
  address: { recall: 0.85, precision: 0.9 },
  date_of_birth: { recall: 0.9, precision: 0.95 },
  national_id: { recall: 0.98, precision: 0.97 },
  passport: { recall: 0.8, precision: 0.95 },
  mac: { recall: 0.95, precision: 0.95 },
  ip: { recall: 0.95, precision: 0.95 },
  url_credentials: { recall: 0.95, precision: 0.95 },
};

describe('privacy evaluation set', () => {
  it('has at least 1,500 positives and 1,500 negatives with consistent spans', () => {
    expect(cases.filter((c) => c.kind === 'positive').length).toBeGreaterThanOrEqual(1500);
    expect(cases.filter((c) => c.kind === 'negative').length).toBeGreaterThanOrEqual(1500);
    for (const c of cases) {
      for (const e of c.entities) expect(c.text.slice(e.start, e.end), c.id).toBe(e.value);
      if (c.kind === 'negative') expect(c.entities, c.id).toEqual([]);
    }
  });

  for (const [category, goal] of Object.entries(GOALS)) {
    it(`${category}: recall >= ${goal.recall}, precision >= ${goal.precision}`, () => {
      const r = rates(score.byCategory[category]);
      expect(r.recall, `${category} recall ${JSON.stringify(score.byCategory[category])}`).toBeGreaterThanOrEqual(
        goal.recall,
      );
      expect(r.precision, `${category} precision ${JSON.stringify(score.byCategory[category])}`).toBeGreaterThanOrEqual(
        goal.precision,
      );
    });
  }

  it('finds every checksum-backed id kind with recall >= 0.98', () => {
    for (const kind of CHECKSUM_KINDS) expect(rates(score.byKind[kind]).recall, kind).toBeGreaterThanOrEqual(0.98);
  });

  it('names reach precision 0.90 once the operator allowlists the brand names (privacy.allowlist)', () => {
    const allow = compileAllowlist(BRANDS);
    const s = scoreEval(cases, (t) => allow(t, detect(t)));
    expect(rates(s.byCategory.person).precision).toBeGreaterThanOrEqual(0.9);
    expect(rates(s.byCategory.person).recall).toBeGreaterThanOrEqual(0.9);
  });

  it('the filter replaces what the recognizers find (one case per category, end to end)', () => {
    const filter = createPrivacyFilter();
    for (const category of Object.keys(GOALS)) {
      const c = cases.find(
        (x) => x.entities.some((e) => e.category === category) && score.errors.every((e) => e.id !== x.id),
      );
      if (!c) throw new Error(`no clean case for ${category}`);
      const out = filter.protect([{ role: 'user', content: c.text }]).messages[0].content;
      for (const e of c.entities) expect(out, c.id).not.toContain(e.value);
    }
  });
});
