// The DPIA covers GDPR Art. 35(7) (a)-(d) for both deployments, every measure names its configuration and its proof,
// and the controller's part is marked.

import { describe, expect, it } from 'vitest';
import { configKeyRefs, readDoc, testRefs } from './doc-helpers.js';

const dpia = readDoc('docs/compliance/dpia.md');

/** The rows of the table under the heading that starts with `heading` (cells split, header and rule dropped). */
function tableRows(markdown: string, heading: string): string[][] {
  const start = markdown.indexOf(`\n## ${heading}`);
  if (start < 0) throw new Error(`no section "## ${heading}"`);
  const section = markdown.slice(start + 1).split(/\n## /)[0];
  const lines = section.split('\n').filter((l) => l.startsWith('|'));
  return lines.slice(2).map((l) =>
    l
      .split(/(?<!\\)\|/)
      .slice(1, -1)
      .map((c) => c.trim()),
  );
}

describe('DPIA', () => {
  it.each(['(a)', '(b)', '(c)', '(d)'])('has the Art. 35(7)%s section', (letter) => {
    expect(dpia).toMatch(new RegExp(`^## \\d\\. Art\\. 35\\(7\\)\\${letter.slice(0, 2)}\\)`, 'm'));
  });

  it('assesses the default and the shared-state deployment', () => {
    expect(dpia).toContain('**Default deployment**');
    expect(dpia).toContain('**Shared-state deployment**');
    expect(dpia).toMatch(/^## 5\. Shared-state deployment/m);
  });

  it('has a section the deploying organisation fills in, marked as such', () => {
    expect(dpia).toMatch(/^## 6\. To be completed by the deploying organisation/m);
    expect(dpia).toContain('**This section is filled in by the deploying organisation (the controller).**');
  });

  it('gives every measure a configuration key (or says it is always on) and a proving test', () => {
    const rows = tableRows(dpia, '4. Art. 35(7)(d)');
    expect(rows.length).toBeGreaterThan(15);
    const problems: string[] = [];
    for (const [measure, , configuration, proof] of rows) {
      if (configKeyRefs(configuration).length === 0 && configuration !== 'always on (no key)')
        problems.push(`${measure}: no config key`);
      const shared = measure.includes('[shared state]');
      if (testRefs(proof).length === 0 && !shared) problems.push(`${measure}: no proving test`);
    }
    expect(problems).toEqual([]);
  });
});
