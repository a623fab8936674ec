// The threat model covers STRIDE for every trust boundary of the data-flow diagram and every OWASP item, each with a
// proof or a reason.

import { describe, expect, it } from 'vitest';
import { readDoc, testRefs } from './doc-helpers.js';

const model = readDoc('docs/security/threat-model.md');
const dataFlow = readDoc('docs/diagrams/data-flow.mmd');
const rows = model
  .split('\n')
  .filter((l) => l.startsWith('| ') && !l.startsWith('| #') && !l.startsWith('| Item') && !l.startsWith('| Id'));
const cells = (row: string): string[] =>
  row
    .split(/(?<!\\)\|/)
    .slice(1, -1)
    .map((c) => c.trim());

const LLM_2025 = [
  'LLM01:2025 Prompt Injection',
  'LLM02:2025 Sensitive Information Disclosure',
  'LLM03:2025 Supply Chain',
  'LLM04:2025 Data and Model Poisoning',
  'LLM05:2025 Improper Output Handling',
  'LLM06:2025 Excessive Agency',
  'LLM07:2025 System Prompt Leakage',
  'LLM08:2025 Vector and Embedding Weaknesses',
  'LLM09:2025 Misinformation',
  'LLM10:2025 Unbounded Consumption',
];
const API_2023 = [
  'API1:2023 Broken Object Level Authorization',
  'API2:2023 Broken Authentication',
  'API3:2023 Broken Object Property Level Authorization',
  'API4:2023 Unrestricted Resource Consumption',
  'API5:2023 Broken Function Level Authorization',
  'API6:2023 Unrestricted Access to Sensitive Business Flows',
  'API7:2023 Server Side Request Forgery',
  'API8:2023 Security Misconfiguration',
  'API9:2023 Improper Inventory Management',
  'API10:2023 Unsafe Consumption of APIs',
];

describe('threat model', () => {
  const boundaries = [...dataFlow.matchAll(/subgraph (TB\d+)\[/g)].map((m) => m[1]);

  it('reads the trust boundaries from the data-flow diagram', () => {
    expect(boundaries.length).toBeGreaterThanOrEqual(4);
  });

  it.each(boundaries)('has a STRIDE table for %s with all six letters', (tb) => {
    expect(model, `add a section "### ${tb}: ..." to docs/security/threat-model.md`).toMatch(
      new RegExp(`^### ${tb}: `, 'm'),
    );
    for (const letter of 'STRIDE') {
      expect(
        rows.some((r) => r.startsWith(`| ${tb}-${letter} |`)),
        `${tb}-${letter} is missing`,
      ).toBe(true);
    }
  });

  it.each([...LLM_2025, ...API_2023])('covers %s', (item) => {
    expect(
      rows.some((r) => r.startsWith(`| ${item} |`)),
      `add a row "| ${item} | ..."`,
    ).toBe(true);
  });

  it('gives every threat a proving test, or says it is out of scope and why', () => {
    const problems: string[] = [];
    for (const row of rows.filter((r) => /^\| (TB\d+-[STRIDE]|LLM\d+:2025|API\d+:2023) /.test(r))) {
      const c = cells(row);
      const id = c[0];
      const outOfScope = c[c.length - 1];
      const proofs = testRefs(row);
      if (proofs.length === 0 && !(row.includes('| out of scope |') && outOfScope.length > 3))
        problems.push(`${id}: no proving test and no out-of-scope reason`);
      if (outOfScope === '') problems.push(`${id}: the out-of-scope column is empty (write — when nothing is)`);
    }
    expect(problems).toEqual([]);
  });

  it('treats prompt injection and excessive agency honestly', () => {
    const injection = rows.find((r) => r.startsWith('| LLM01:2025')) ?? '';
    const agency = rows.find((r) => r.startsWith('| LLM06:2025')) ?? '';
    expect(injection).toMatch(/Little against the injection itself/);
    expect(agency).toMatch(/executes no tools/);
  });
});
