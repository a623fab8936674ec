// `privacy:` rule keys: thresholds, custom recognizers (refused when prone to catastrophic backtracking) and the
// allowlist.

import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config/index.js';
import { regexSafetyProblem } from '../../src/config/regex-safety.js';

const BASE =
  'providers:\n  - { id: main, type: openai, apiKeys: ["env:K"] }\nmodels:\n  - { name: ' +
  'chat, targets: [{ provider: main, model: gpt }] }\n';

function problemsOf(text: string): string[] {
  try {
    parseConfig(text, 'test.yaml', { K: 'x' });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('privacy rules in the configuration', () => {
  it('splits actions from rules and keeps defaults', () => {
    const config = parseConfig(
      `${BASE}privacy:\n  person: redact\n  thresholds: { person: 0.7 }\n  allowlist: [Acme]\n  ` +
        `custom:\n    - { name: employee_id, pattern: 'EMP-\\d{6}', context: [employee], score: 0.4 }\n`,
      'test.yaml',
      { K: 'x' },
    );
    expect(config.privacy.person).toBe('redact');
    expect(config.privacy).not.toHaveProperty('custom');
    expect(config.privacyRules).toEqual({
      thresholds: { person: 0.7 },
      allowlist: ['Acme'],
      custom: [
        {
          name: 'employee_id',
          pattern: 'EMP-\\d{6}',
          context: ['employee'],
          score: 0.4,
          action: 'pseudonymise',
          ignoreCase: false,
          threshold: 0.5,
        },
      ],
    });
  });

  it('names a pattern prone to catastrophic backtracking and a recognizer without pattern or terms', () => {
    const problems = problemsOf(
      `${BASE}privacy:\n  custom:\n    - { name: bad, pattern: '(\\w+\\s?)+$' }\n    - { name: ` +
        `empty }\n    - { name: broken, pattern: '([a-z' }\n`,
    );
    expect(problems).toEqual([
      expect.stringMatching(
        /^privacy\.custom\[0\]\.pattern: recognizer 'bad': a repeated group containing another unbounded quantifier \(\(\\w\+\\s\?\)\+\) can take exponential time/,
      ),
      expect.stringMatching(/^privacy\.custom\[1\]: recognizer 'empty' has neither a pattern nor terms — add pattern/),
      expect.stringMatching(/^privacy\.custom\[2\]\.pattern: recognizer 'broken': not a valid regular expression/),
    ]);
  });

  it('refuses unknown categories in thresholds and out-of-range scores', () => {
    const problems = problemsOf(`${BASE}privacy:\n  thresholds: { persn: 0.5, address: 2 }\n`);
    expect(problems.join('\n')).toMatch(/privacy\.thresholds\.persn: unknown key/);
    expect(problems.join('\n')).toMatch(/privacy\.thresholds\.address/);
  });
});

describe('regexSafetyProblem', () => {
  it.each(['(a+)+', '(a*)*b', '(?:\\w+\\s?)*x', '(a|ab)+c', '(\\d+,?){2,}', '(x+){1,1000}'])('refuses %s', (p) => {
    expect(regexSafetyProblem(p)).toBeDefined();
  });
  it.each([
    'EMP-\\d{6}',
    '\\b[A-Z]{2}\\d{7}\\b',
    '(?:[A-Z]{2}-)?\\d{4,8}',
    '(ab)+',
    '(?:foo|bar)?\\d+',
    '[(+*]+x',
    '(?<y>\\d{4})-\\d{2}',
  ])('accepts %s', (p) => {
    expect(regexSafetyProblem(p)).toBeUndefined();
  });
  it('refuses backreferences', () => {
    expect(regexSafetyProblem('(\\d)\\1')).toMatch(/backreferences/);
  });
});
