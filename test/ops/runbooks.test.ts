import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { createMetrics } from '../../src/observability/metrics.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const rules = parse(readFileSync(root + 'ops/prometheus/parley.rules.yml', 'utf8')) as {
  groups: { rules: { alert?: string; annotations?: { runbook_url?: string } }[] }[];
};
const alerts = rules.groups.flatMap((g) => g.rules).filter((r) => r.alert !== undefined);
const doc = readFileSync(root + 'docs/observability.md', 'utf8');

describe('runbooks and observability docs', () => {
  it('have a runbook with symptoms, checks and mitigations for every alert', () => {
    for (const a of alerts) {
      const path = root + (a.annotations?.runbook_url ?? '');
      expect(existsSync(path), `${a.alert}: ${path}`).toBe(true);
      const text = readFileSync(path, 'utf8');
      expect(text.startsWith(`# ${a.alert}\n`)).toBe(true);
      for (const section of ['## Symptoms', '## Checks', '## Mitigations'])
        expect(text, `${a.alert} ${section}`).toContain(section);
    }
  });

  it('list every alert with its runbook link and every Parley metric in docs/observability.md', async () => {
    for (const a of alerts) expect(doc, a.alert).toContain(`[runbook](runbooks/${a.alert}.md)`);
    const names = (await createMetrics({ collectDefault: false }).registry.getMetricsAsJSON()).map((m) => m.name);
    expect(names.length).toBeGreaterThanOrEqual(22);
    for (const n of names) expect(doc, n).toContain(`\`${n}\``);
  });
});
