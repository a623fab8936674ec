// The failure drills (docs/deployment.md, "Drills: what an operator sees"), one after another: each prints its
// figures and fails on any of its checks. By hand: `npm run drill -- NAME` (`--list` for the names).

import { describe, expect, it } from 'vitest';
import { DRILLS } from './drills.js';

describe('failure drills: three replicas behind nginx on shared Redis and PostgreSQL, under steady load', () => {
  for (const drill of DRILLS) {
    it(`${drill.name}: ${drill.summary}`, { timeout: 180_000 }, async () => {
      const lines: string[] = [];
      const report = await drill.run((line) => lines.push(line));
      console.log(
        [
          `drill ${report.name}`,
          ...lines,
          `  figures: ${JSON.stringify(report.figures)}`,
          ...report.checks.map((c) => `  ${c.ok ? 'ok  ' : 'FAIL'} ${c.what}${c.detail ? ` (${c.detail})` : ''}`),
        ].join('\n'),
      );
      for (const check of report.checks) expect(check.ok, `${check.what}: ${check.detail ?? ''}`).toBe(true);
    });
  }
});
