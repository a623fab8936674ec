// Verify speed of a large file audit trail, one file against the same records in 64 MB segments (issue 15:
// "322 MB in 3 minutes of load; verifying it took 4.7 s"). Alternating rounds; prints ms per MB and the ratio.
// Usage: node --import tsx bench/audit-verify.ts [MB=322] [rounds=3]
// PARLEY_BASELINE=/path/to/another/checkout adds that checkout's verifier on the one file (an A/B of the code).

import { generateKeyPairSync } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, open, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createAuditLog } from '../src/audit/audit-log.js';
import { verifyAuditFile } from '../src/compose/audit-file.js';
import { segmentName, segmentsDir } from '../src/store/file/audit-segments.js';
import { FileAuditStorage } from '../src/store/file/audit-file-storage.js';

const targetMb = Number(process.argv[2] ?? 322);
const rounds = Number(process.argv[3] ?? 3);
const SEGMENT_BYTES = 64 * 1024 * 1024;
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const dir = await mkdtemp(join(tmpdir(), 'parley-verify-bench-'));

try {
  // A: one file, as before rotation existed (two records per request, as under load).
  const single = join(dir, 'single', 'audit.jsonl');
  const storage = new FileAuditStorage(single, {
    rotation: { maxBytes: Number.MAX_SAFE_INTEGER, maxAgeMs: Number.MAX_SAFE_INTEGER },
    lock: { waitMs: 0 },
  });
  const log = createAuditLog({ storage, signingKey: privateKey, checkpointEvery: 100, commitDelayMs: 0 });
  const t0 = performance.now();
  for (let i = 0; (await stat(single).catch(() => ({ size: 0 }))).size < targetMb * 1024 * 1024; i++) {
    for (let j = 0; j < 5_000; j++) {
      const requestId = `req-${i}-${j}`;
      log.append({
        requestId,
        principalId: 'key_0123456789abcdef',
        role: 'user',
        action: 'auth.success',
        outcome: 'success',
        clientAddress: '203.0.113.7',
        details: { via: 'key' },
      });
      log.append({
        requestId,
        principalId: 'key_0123456789abcdef',
        role: 'user',
        action: 'privacy.protected',
        resource: 'model:chat',
        outcome: 'success',
        clientAddress: '203.0.113.7',
        details: { email: 1 },
      });
    }
    await log.flush();
  }
  await log.close();
  const bytes = (await stat(single)).size;
  console.log(`wrote ${(bytes / 1048576).toFixed(0)} MB in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  // B: the same lines cut into 64 MB segments at line boundaries, exactly as rotation names them.
  const segmented = join(dir, 'segmented', 'audit.jsonl');
  await mkdir(segmentsDir(segmented), { recursive: true });
  let size = 0;
  let firstSeq = 1;
  let seq = 0;
  let out = await open(join(segmentsDir(segmented), segmentName(segmented, 1)), 'w');
  for await (const line of createInterface({
    input: createReadStream(single, { encoding: 'utf8' }),
    crlfDelay: Infinity,
  })) {
    seq += 1;
    if (size >= SEGMENT_BYTES) {
      await out.close();
      firstSeq = seq;
      out = await open(join(segmentsDir(segmented), segmentName(segmented, firstSeq)), 'w');
      size = 0;
    }
    await out.write(`${line}\n`);
    size += Buffer.byteLength(line) + 1;
  }
  await out.close();
  // The last segment becomes the active file.
  await rename(join(segmentsDir(segmented), segmentName(segmented, firstSeq)), segmented);

  const mb = bytes / 1048576;
  type Verify = typeof verifyAuditFile;
  // A baseline from before the file verifier moved to compose/ has it in audit/verify.ts.
  const fromBaseline = (path: string) =>
    import(join(process.env.PARLEY_BASELINE as string, path)) as Promise<{ verifyAuditFile?: Verify }>;
  const baseline = process.env.PARLEY_BASELINE
    ? ((await fromBaseline('src/compose/audit-file.ts').catch(() => ({}) as { verifyAuditFile?: Verify }))
        .verifyAuditFile ?? (await fromBaseline('src/audit/verify.ts')).verifyAuditFile)
    : undefined;
  const variants: [string, string, Verify][] = [
    ['one file', single, verifyAuditFile],
    ['segments', segmented, verifyAuditFile],
  ];
  if (baseline) variants.push(['baseline, one file', single, baseline]);
  const results: Record<string, number[]> = Object.fromEntries(variants.map(([name]) => [name, []]));
  for (let r = 0; r < rounds; r++) {
    for (const [name, file, verify] of r % 2 === 0 ? variants : [...variants].reverse()) {
      const start = performance.now();
      const result = await verify(file, publicKey);
      const ms = performance.now() - start;
      if (!result.ok) throw new Error(`${name}: ${result.reason}`);
      results[name].push(ms);
      console.log(
        `round ${r + 1} ${name}: ${(ms / 1000).toFixed(2)} s, ${(ms / mb).toFixed(2)} ms/MB, ` +
          `${result.records} records${'segments' in result && result.segments ? ` in ${result.segments} files` : ''}`,
      );
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const a = median(results['one file']);
  for (const [name] of variants) {
    const m = median(results[name]);
    const best = Math.min(...results[name]);
    console.log(
      `${name}: median ${(m / mb).toFixed(2)} ms/MB (${(mb / (m / 1000)).toFixed(0)} MB/s), ` +
        `ratio to one file ${(m / a).toFixed(3)}; best ${(best / mb).toFixed(2)} ms/MB, ratio ${(best / Math.min(...results['one file'])).toFixed(3)}`,
    );
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
