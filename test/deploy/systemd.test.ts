// ops/systemd: the socket unit and the service template that let Parley restart without refusing or resetting a
// connection (docs/deployment.md, "Restarts without a reset connection"). systemd does not run here, so the units
// are checked by `systemd-analyze verify` (syntax, known keys, the executable) and the socket hand-over they rely on
// is exercised by test/integration/socket-activation.test.ts and the rolling-restart drill.

import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const DIR = join(import.meta.dirname, '..', '..', 'ops', 'systemd');
const run = promisify(execFile);

describe('ops/systemd', () => {
  it('passes systemd-analyze verify without a warning (instance parley@a)', async () => {
    const work = await mkdtemp(join(tmpdir(), 'parley-systemd-'));
    try {
      await copyFile(join(DIR, 'parley.socket'), join(work, 'parley.socket'));
      await copyFile(join(DIR, 'parley@.service'), join(work, 'parley@a.service'));
      // verify only warns on unknown keys: any output at all fails the test.
      const { stdout, stderr } = await run(
        'systemd-analyze',
        ['verify', '--man=no', './parley.socket', './parley@a.service'],
        { cwd: work },
      );
      expect(stdout + stderr).toBe('');
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });

  it('hands the socket to every instance and gives the drain its time', async () => {
    const service = await readFile(join(DIR, 'parley@.service'), 'utf8');
    const socket = await readFile(join(DIR, 'parley.socket'), 'utf8');
    expect(service).toMatch(/^Sockets=parley\.socket$/m);
    expect(service).toMatch(/^ExecStart=\S+ \S+\/dist\/cli\/index\.js serve /m);
    // Above the default server.drainDelay (0 s) + server.drainTimeout (10 s), with room to close the stores.
    expect(Number(/^TimeoutStopSec=(\d+)$/m.exec(service)?.[1])).toBeGreaterThan(10);
    expect(socket).toMatch(/^ListenStream=\S+$/m);
    expect(socket).toMatch(/^Service=parley@a\.service$/m);
  });
});
