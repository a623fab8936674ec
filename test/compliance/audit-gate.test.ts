// The npm audit gate of the CI workflow: high and critical advisories fail unless an unexpired exception accepts them.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditGate, type AuditException, type NpmAuditReport } from '../../scripts/audit-gate.js';
import { readDoc, ROOT } from './doc-helpers.js';

const report = JSON.parse(
  readFileSync(join(ROOT, 'test/compliance/fixtures/npm-audit-report.json'), 'utf8'),
) as NpmAuditReport;
const accept = (advisory: string, pkg: string, expires: string): AuditException => ({
  advisory,
  package: pkg,
  reason: 'not reachable from Parley',
  acceptedBy: 'security lead',
  expires,
});

describe('npm audit gate', () => {
  it('fails on every high and critical advisory without an exception, ignoring moderate ones', () => {
    const verdict = auditGate(report, [], '2026-06-01');
    expect(verdict.failing).toHaveLength(2);
    expect(verdict.failing.join('\n')).toContain('GHSA-aaaa-bbbb-cccc left-pad (high)');
    expect(verdict.failing.join('\n')).toContain('GHSA-dddd-eeee-ffff tiny-glob (critical)');
  });

  it('accepts an advisory recorded as an exception until the day it expires', () => {
    const exceptions = [accept('GHSA-aaaa-bbbb-cccc', 'left-pad', '2026-06-01')];
    expect(auditGate(report, exceptions, '2026-06-01')).toMatchObject({
      accepted: [expect.stringContaining('left-pad')],
      failing: [expect.stringContaining('tiny-glob')],
    });
    const later = auditGate(report, exceptions, '2026-06-02');
    expect(later.failing).toHaveLength(2);
    expect(later.expired).toEqual(['GHSA-aaaa-bbbb-cccc (left-pad) expired 2026-06-01']);
  });

  it('does not let an exception for one package cover another', () => {
    expect(
      auditGate(report, [accept('GHSA-aaaa-bbbb-cccc', 'tiny-glob', '2099-01-01')], '2026-06-01').failing,
    ).toHaveLength(2);
  });

  it('the recorded exceptions are complete records', () => {
    const { exceptions } = JSON.parse(readDoc('docs/compliance/audit-exceptions.json')) as {
      exceptions: AuditException[];
    };
    for (const e of exceptions) {
      expect(e.advisory).toMatch(/^GHSA-/);
      expect(e.reason.length).toBeGreaterThan(20);
      expect(e.acceptedBy).not.toBe('');
      expect(e.expires).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
  });
});
