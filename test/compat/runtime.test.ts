// The test command runs the whole suite on Node.js 20 and on Node.js 24 (scripts/test.sh). Each run must be on the
// runtime it names, and the `node` its tests start (CLI servers, drills, npm's scripts) must be that runtime too.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const major = (version: string): string => version.replace(/^v/, '').split('.')[0];

describe('the runtime the suite runs on', () => {
  it('is a supported line, the one the test command asked for, and the `node` that tests start', async () => {
    const here = major(process.versions.node);
    expect(['20', '24']).toContain(here);
    const asked = process.env.PARLEY_TEST_NODE_MAJOR;
    if (asked !== undefined) expect(here).toBe(asked);
    const { stdout } = await promisify(execFile)('node', ['-p', 'process.versions.node']);
    expect(
      major(stdout.trim()),
      'the `node` on PATH (put its directory first to run the suite on another runtime)',
    ).toBe(here);
  });
});
