// The Node.js runtimes Parley and the floor run on in one benchmark: the bench's own node, or one fetched with npx.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A node binary to start Parley and the floor with. */
export interface Runtime {
  /** As asked for: a major version (`24`) or a path. */
  label: string;
  execPath: string;
  /** `process.version` of that binary, e.g. v24.11.1. */
  version: string;
}

/** The major version of a `vX.Y.Z` string. */
export const majorOf = (version: string): number => Number(/^v?(\d+)/.exec(version)?.[1] ?? NaN);

/**
 * Finds the binary for `label`: this process's node when its major version matches, else
 * `npx -y node@<major>` (the npm registry's `node` package, cached by npx after the first run), or the
 * path as given. The binary's version is read back, so a wrong one is caught before anything starts.
 */
export async function resolveRuntime(label: string): Promise<Runtime> {
  let execPath = label;
  if (/^\d+$/.test(label)) {
    if (majorOf(process.version) === Number(label)) execPath = process.execPath;
    else {
      const { stdout } = await run('npx', ['-y', `node@${label}`, '-e', 'process.stdout.write(process.execPath)'], {
        timeout: 300_000,
      });
      execPath = stdout.trim();
    }
  }
  const { stdout } = await run(execPath, ['--version'], { timeout: 30_000 });
  const version = stdout.trim();
  if (/^\d+$/.test(label) && majorOf(version) !== Number(label))
    throw new Error(`runtime ${label}: ${execPath} is ${version}`);
  return { label, execPath, version };
}
