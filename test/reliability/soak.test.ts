// The 60-second soak in the test command: mixed traffic against a fault-injecting upstream with one dead model per
// provider gives 0 failures on requests that had a good route. (Needs breakers per deployment, issue 15 point 1.)

import { describe, expect, it } from 'vitest';
import { formatSoakReport, runSoak } from '../../bench/reliability/soak.js';

describe('soak (60 s)', () => {
  it('0 failures on requests with a good route; the others fail clearly; /healthz answers throughout', async () => {
    const report = await runSoak({ seconds: 60, concurrency: 16 });
    const text = formatSoakReport(report);
    console.log(text);
    expect(report.goodRoute.requests).toBeGreaterThan(0);
    expect(report.goodRoute.failures, text).toBe(0);
    expect(report.noRoute.clear, text).toBe(report.noRoute.failures);
    expect(report.noRoute.byCode.hung ?? 0, text).toBe(0);
    expect(report.healthz.failures, text).toBe(0);
  }, 150_000);
});
