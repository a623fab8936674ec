// The short fuzz in the test command: hostile requests to every route in /openapi.json with every role give no 5xx,
// no hang, and /healthz stays healthy (the long run: npm run fuzz).

import { describe, expect, it } from 'vitest';
import { formatFuzzReport, runFuzz } from '../../bench/reliability/fuzz.js';

describe('fuzz (short)', () => {
  it('0 5xx, 0 hangs, /healthz healthy throughout', async () => {
    const report = await runFuzz({ runsPerRoute: 4, seed: 20261206, concurrency: 6 });
    const text = formatFuzzReport(report);
    console.log(text);
    expect(report.operations).toBeGreaterThan(10);
    expect(report.serverErrors, text).toEqual([]);
    expect(report.hangs, text).toEqual([]);
    expect(report.healthz.failures, text).toBe(0);
  }, 180_000);
});
