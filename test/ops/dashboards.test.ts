import { describe, it, expect } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { buildDashboards, renderDashboard } from '../../ops/grafana/generate.js';
import { createMetrics } from '../../src/observability/metrics.js';

const dir = fileURLToPath(new URL('../../ops/grafana/', import.meta.url));
const rulesFile = fileURLToPath(new URL('../../ops/prometheus/parley.rules.yml', import.meta.url));
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort();

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { uid: string };
  targets?: { expr: string; datasource: { uid: string } }[];
}
interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: { name: string; type: string; query: unknown }[] };
}

const committed = new Map(files.map((f) => [f, JSON.parse(readFileSync(dir + f, 'utf8')) as Dashboard]));

async function knownSeries(): Promise<Set<string>> {
  const known = new Set<string>();
  const metrics = createMetrics();
  for (const m of await metrics.registry.getMetricsAsJSON()) {
    known.add(m.name);
    if (String(m.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) known.add(m.name + s);
    if (String(m.type) === 'summary') for (const s of ['_sum', '_count']) known.add(m.name + s);
  }
  const rules = parse(readFileSync(rulesFile, 'utf8')) as { groups: { rules: { record?: string }[] }[] };
  for (const g of rules.groups) for (const r of g.rules) if (r.record) known.add(r.record);
  return known;
}

function exprs(d: Dashboard): string[] {
  const fromPanels = d.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
  const fromVars = d.templating.list.filter((v) => v.type === 'query').map((v) => (v.query as { query: string }).query);
  return [...fromPanels, ...fromVars];
}

describe('Grafana dashboards', () => {
  it('are the five generated dashboards, committed exactly as the generator writes them', () => {
    const built = buildDashboards();
    expect(files).toEqual(Object.keys(built).sort());
    for (const [name, d] of Object.entries(built))
      expect(readFileSync(dir + name, 'utf8'), name).toBe(renderDashboard(d));
  });

  it('are valid importable dashboards with unique uids and panel ids', () => {
    const uids = [...committed.values()].map((d) => d.uid);
    expect(new Set(uids).size).toBe(uids.length);
    for (const [name, d] of committed) {
      expect(d.schemaVersion, name).toBe(39);
      expect(d.uid).toMatch(/^[a-z0-9-]{1,40}$/);
      expect(d.title).toMatch(/^Parley \/ /);
      expect(d.templating.list.find((v) => v.name === 'datasource')?.type).toBe('datasource');
      const ids = d.panels.map((p) => p.id);
      expect(new Set(ids).size, name).toBe(ids.length);
      for (const p of d.panels) {
        expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
        if (p.type === 'row') continue;
        expect(p.datasource?.uid, p.title).toBe('${datasource}');
        expect(p.targets?.length, p.title).toBeGreaterThan(0);
        for (const t of p.targets ?? []) expect(t.datasource.uid).toBe('${datasource}');
      }
    }
  });

  it('query only metrics that createMetrics() registers or the recording rules define', async () => {
    const known = await knownSeries();
    const used = new Set<string>();
    for (const [name, d] of committed) {
      for (const expr of exprs(d)) {
        let depth = 0;
        for (const ch of expr) {
          depth += ch === '(' ? 1 : ch === ')' ? -1 : 0;
          expect(depth, expr).toBeGreaterThanOrEqual(0);
        }
        expect(depth, `${name}: ${expr}`).toBe(0);
        const names = expr.replace(/"[^"]*"/g, '""').match(/\b(?:parley[_:]|nodejs_|process_)[a-zA-Z0-9_:]*/g) ?? [];
        if (!/^vector\(/.test(expr)) expect(names.length, expr).toBeGreaterThan(0);
        for (const n of names) {
          expect(known.has(n), `${name} uses unknown metric ${n}`).toBe(true);
          used.add(n);
        }
      }
    }
    expect(known.has('parley_does_not_exist')).toBe(false);
    for (const core of [
      'parley_http_requests_total',
      'parley_circuit_state',
      'parley_provider_key_healthy',
      'nodejs_eventloop_lag_p99_seconds',
      'parley_privacy_protected_total',
    ]) {
      expect(used.has(core), core).toBe(true);
    }
  });
});
