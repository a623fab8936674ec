import { describe, it, expect } from 'vitest';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'yaml';

const run = promisify(execFile);
const dir = fileURLToPath(new URL('../../ops/prometheus/', import.meta.url));
const RULES = 'parley.rules.yml';
const TESTS = ['parley.rules.test.yml', 'parley.rules.slow.test.yml'];

interface Rule {
  alert?: string;
  record?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface AlertTest {
  alertname: string;
  exp_alerts: unknown[];
}

async function promtool(...args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run('promtool', args, { cwd: dir, timeout: 110_000 });
    return stdout + stderr;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}${e.message}`, {
      cause: error,
    });
  }
}

describe('Prometheus rules', () => {
  it('pass promtool check rules', async () => {
    expect(await promtool('check', 'rules', RULES)).toContain('SUCCESS');
  });

  // The slow file evaluates hours of series: about 16 s of CPU on its own, more on a busy machine.
  it('pass their promtool unit tests', { timeout: 120_000 }, async () => {
    const out = await Promise.all(TESTS.map((t) => promtool('test', 'rules', t)));
    for (const o of out) expect(o).toContain('SUCCESS');
  });

  it('give every alert a severity, summary, description and runbook, and a firing and a quiet test', () => {
    const rules = (parse(readFileSync(dir + RULES, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap(
      (g) => g.rules,
    );
    const alerts = rules.filter((r) => r.alert !== undefined);
    expect(alerts.length).toBeGreaterThanOrEqual(11);
    const tests = TESTS.flatMap(
      (t) => (parse(readFileSync(dir + t, 'utf8')) as { tests: { alert_rule_test?: AlertTest[] }[] }).tests,
    ).flatMap((t) => t.alert_rule_test ?? []);
    for (const a of alerts) {
      expect(['page', 'ticket', 'warning']).toContain(a.labels?.severity);
      expect(a.annotations?.summary, a.alert).toBeTruthy();
      expect(a.annotations?.description, a.alert).toBeTruthy();
      expect(a.annotations?.runbook_url).toBe(`docs/runbooks/${a.alert}.md`);
      const mine = tests.filter((t) => t.alertname === a.alert);
      expect(
        mine.some((t) => t.exp_alerts.length > 0),
        `${a.alert} has a firing test`,
      ).toBe(true);
      expect(
        mine.some((t) => t.exp_alerts.length === 0),
        `${a.alert} has a quiet test`,
      ).toBe(true);
    }
  });
});
