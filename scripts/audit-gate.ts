// Fails on high or critical advisories in an `npm audit --json` report unless an unexpired exception accepts them.
// Run: npx tsx scripts/audit-gate.ts npm-audit.json docs/compliance/audit-exceptions.json (the CI workflow does).

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** One accepted advisory (docs/compliance/audit-exceptions.json). */
export interface AuditException {
  /** GHSA id, e.g. GHSA-xxxx-xxxx-xxxx. */
  advisory: string;
  package: string;
  /** Why it does not apply to Parley, or what mitigates it. */
  reason: string;
  acceptedBy: string;
  /** YYYY-MM-DD; after this day the exception no longer counts. */
  expires: string;
}

interface Advisory {
  source?: number;
  name?: string;
  title?: string;
  url?: string;
  severity?: string;
}

/** The shape of `npm audit --json` (report version 2) this gate reads. */
export interface NpmAuditReport {
  vulnerabilities?: Record<string, { severity?: string; via?: (Advisory | string)[] }>;
}

/** The verdict: advisories that fail the gate and exceptions that have expired. */
export interface GateResult {
  failing: string[];
  accepted: string[];
  expired: string[];
}

const BLOCKING = new Set(['high', 'critical']);
const ghsa = (url: string | undefined): string | undefined => /GHSA-[\w-]+/.exec(url ?? '')?.[0];

/** Applies the exceptions to a report on `today` (YYYY-MM-DD). */
export function auditGate(report: NpmAuditReport, exceptions: AuditException[], today: string): GateResult {
  const result: GateResult = {
    failing: [],
    accepted: [],
    expired: exceptions
      .filter((e) => e.expires < today)
      .map((e) => `${e.advisory} (${e.package}) expired ${e.expires}`),
  };
  const seen = new Set<string>();
  for (const [pkg, vulnerability] of Object.entries(report.vulnerabilities ?? {})) {
    for (const via of vulnerability.via ?? []) {
      if (typeof via === 'string' || !BLOCKING.has(via.severity ?? '')) continue;
      const id = ghsa(via.url) ?? `advisory ${String(via.source)}`;
      const name = via.name ?? pkg;
      const key = `${id} ${name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const exception = exceptions.find((e) => e.advisory === id && e.package === name && e.expires >= today);
      (exception ? result.accepted : result.failing).push(`${id} ${name} (${via.severity}): ${via.title ?? ''}`);
    }
  }
  return result;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [reportFile, exceptionsFile] = process.argv.slice(2);
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as NpmAuditReport;
  const { exceptions } = JSON.parse(readFileSync(exceptionsFile, 'utf8')) as { exceptions: AuditException[] };
  const verdict = auditGate(report, exceptions, new Date().toISOString().slice(0, 10));
  for (const line of verdict.accepted) console.log(`accepted by exception: ${line}`);
  for (const line of verdict.expired)
    console.log(`exception expired (remove it or renew it with a new review): ${line}`);
  for (const line of verdict.failing) console.error(`not accepted: ${line}`);
  process.exitCode = verdict.failing.length > 0 ? 1 : 0;
}
