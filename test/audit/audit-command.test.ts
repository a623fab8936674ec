import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuditLog } from '../../src/audit/audit-log.js';
import { loadAuditPrivateKey } from '../../src/audit/signing-key.js';
import { auditCommand } from '../../src/cli/audit-command.js';
import { FileAuditStorage } from '../../src/store/file/audit-file-storage.js';

let dataDir: string;
let stdout: string[];
let stderr: string[];
const io = () => ({ stdout: (t: string) => stdout.push(t), stderr: (t: string) => stderr.push(t) });

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'parley-audit-cli-'));
  stdout = [];
  stderr = [];
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

async function writeTrail(): Promise<{ publicKeyPath: string; file: string }> {
  expect(await auditCommand(['keygen', '--out', join(dataDir, 'keys')], { dataDir, ...io() })).toBe(0);
  const privatePath = join(dataDir, 'keys', 'audit-signing-key.pem');
  expect((await stat(privatePath)).mode & 0o777).toBe(0o600);
  const file = join(dataDir, 'audit.jsonl');
  const log = createAuditLog({
    storage: new FileAuditStorage(file),
    signingKey: loadAuditPrivateKey(await readFile(privatePath, 'utf8')),
    checkpointEvery: 2,
  });
  for (let i = 0; i < 5; i++) log.append({ requestId: `r${i}`, action: 'auth.success', outcome: 'success' });
  await log.close();
  return { publicKeyPath: join(dataDir, 'keys', 'audit-signing-key.pub.pem'), file };
}

describe('parley audit', () => {
  it('verifies an intact trail (exit 0) and names the first bad line of a tampered one (exit 1)', async () => {
    const { publicKeyPath, file } = await writeTrail();
    expect(await auditCommand(['verify', '--public-key', publicKeyPath], { dataDir, ...io() })).toBe(0);
    const ok = stdout.pop() ?? '';
    expect(ok).toMatch(
      /^OK .*: 5 records, 3 checkpoints, all checkpoint signatures valid; last checkpoint 8:[0-9a-f]{64}$/,
    );
    // The printed checkpoint is what --expect-checkpoint takes; a malformed one is a usage error.
    expect(await auditCommand(['verify', '--expect-checkpoint', ok.split(' ').pop() ?? ''], { dataDir, ...io() })).toBe(
      0,
    );
    stdout.pop();
    expect(await auditCommand(['verify', '--expect-checkpoint', '8'], { dataDir, ...io() })).toBe(2);

    const lines = (await readFile(file, 'utf8')).split('\n');
    lines[3] = lines[3].replace('"r2"', '"r9"');
    await writeFile(file, lines.join('\n'));
    expect(await auditCommand(['verify'], { dataDir, publicKeyRef: `file:${publicKeyPath}`, ...io() })).toBe(1);
    expect(stdout.pop()).toContain('TAMPERED');
    expect(await auditCommand(['verify', '--json'], { dataDir, publicKeyRef: publicKeyPath, ...io() })).toBe(1);
    expect(JSON.parse(stdout.pop() ?? '')).toMatchObject({ ok: false, line: 4 });
  });

  it('tells a torn last line (a crash) from tampering: exit 3, and Parley recovers it at the next start', async () => {
    const { publicKeyPath, file } = await writeTrail();
    const intact = await readFile(file, 'utf8');
    const lines = intact.trimEnd().split('\n');
    // A write cut off by a crash: half of a sealed line, no trailing newline.
    await writeFile(file, `${intact}${lines[1].slice(0, Math.floor(lines[1].length / 2))}`);
    expect(await auditCommand(['verify', '--public-key', publicKeyPath], { dataDir, ...io() })).toBe(3);
    expect(stdout.pop()).toMatch(
      /^TORN .*: line 9 is incomplete .*cut off by a crash, and the 8 lines before it verify\. Parley removes this line at its next start and records an audit\.recovered event/,
    );
    expect(await auditCommand(['verify', '--json'], { dataDir, ...io() })).toBe(3);
    expect(JSON.parse(stdout.pop() ?? '')).toMatchObject({ ok: false, torn: true, line: 9 });
    // Tampering before a torn tail is still tampering (exit 1), named at its own line.
    await writeFile(file, `${intact.replace('"r2"', '"r9"')}{"seq":`);
    expect(await auditCommand(['verify'], { dataDir, ...io() })).toBe(1);
    expect(stdout.pop()).toMatch(/^TAMPERED .*line 4/);
    // The next start cuts the torn line and says so on the chain.
    await writeFile(file, `${intact}{"seq":99,"prev`);
    const log = createAuditLog({ storage: new FileAuditStorage(file), checkpointEvery: 100 });
    log.append({ requestId: 'after', action: 'auth.success', outcome: 'success' });
    await log.close();
    expect(await auditCommand(['verify'], { dataDir, ...io() })).toBe(0);
    expect(await readFile(file, 'utf8')).toContain('"audit.recovered"');
  });

  it('says when signatures were not checked, and resolves env: refs only through the given resolver', async () => {
    const { publicKeyPath } = await writeTrail();
    expect(await auditCommand(['verify'], { dataDir, ...io() })).toBe(0);
    expect(stdout.pop()).toContain('signatures NOT checked');
    expect(await auditCommand(['verify'], { dataDir, publicKeyRef: 'env:AUDIT_PUB', ...io() })).toBe(1);
    expect(stderr.pop()).toContain('Cannot resolve "env:" references here');
    const pem = await readFile(publicKeyPath, 'utf8');
    const resolveSecret = async (ref: string) => (ref === 'env:AUDIT_PUB' ? pem : '');
    expect(await auditCommand(['verify'], { dataDir, publicKeyRef: 'env:AUDIT_PUB', resolveSecret, ...io() })).toBe(0);
  });

  it('queries the trail as JSON lines', async () => {
    await writeTrail();
    stdout = [];
    expect(await auditCommand(['query', '--limit', '2'], { dataDir, ...io() })).toBe(0);
    expect(stdout.map((l) => (JSON.parse(l) as { requestId: string }).requestId)).toEqual(['r3', 'r4']);
  });

  it('reports a missing file, an existing key and bad usage clearly', async () => {
    expect(await auditCommand(['verify', '--file', join(dataDir, 'nope.jsonl')], { dataDir, ...io() })).toBe(1);
    expect(stderr.pop()).toContain('No such file');
    await writeTrail();
    expect(await auditCommand(['keygen', '--out', join(dataDir, 'keys')], { dataDir, ...io() })).toBe(1);
    expect(stderr.pop()).toContain('already exists');
    expect(await auditCommand(['verify', '--max-unsigned', 'x'], { dataDir, ...io() })).toBe(2);
    expect(await auditCommand(['nope'], { dataDir, ...io() })).toBe(2);
  });

  it('purge: the cut-off is --before, else now minus audit.retention (one meaning for files and PostgreSQL); neither is a usage error', async () => {
    const asked: Date[] = [];
    const purge = async (before: Date) => {
      asked.push(before);
      return { deleted: 7, firstKeptSeq: 8 };
    };
    const now = Date.parse('2026-06-01T00:00:00Z');
    expect(await auditCommand(['purge'], { dataDir, purge, clock: () => now, ...io() })).toBe(2);
    expect(stderr.pop()).toContain('needs --before');
    expect(
      await auditCommand(['purge'], { dataDir, purge, retentionMs: 30 * 86_400_000, clock: () => now, ...io() }),
    ).toBe(0);
    expect(asked.pop()!.toISOString()).toBe('2026-05-02T00:00:00.000Z');
    expect(stdout.pop()).toContain('Purged 7 records older than 2026-05-02T00:00:00.000Z');
    expect(
      await auditCommand(['purge', '--before', '2026-01-01T00:00:00Z'], { dataDir, purge, retentionMs: 1, ...io() }),
    ).toBe(0);
    expect(asked.pop()!.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(
      await auditCommand(['purge', '--file', 'x.jsonl', '--before', '2026-01-01T00:00:00Z'], {
        dataDir,
        purge,
        ...io(),
      }),
    ).toBe(2);
    expect(stderr.pop()).toContain('--file is for verify and query');
  });
});
