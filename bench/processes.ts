// Child server processes of the benchmark: spawn, wait until ready (with a deadline), sample RSS, and always clean up.

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { round } from './stats.js';

/** A server process started by the benchmark. */
export interface ServerProcess {
  readonly name: string;
  readonly pid: number;
  /** Base URL without a trailing slash. */
  readonly url: string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

/** How to start one server and how to tell it is ready. */
export interface SpawnSpec {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** Ready when stdout prints `READY <url>`; or, with `readyUrl`, when GET readyUrl answers 200. */
  readyUrl?: string;
  /** Base URL when `readyUrl` is used. */
  url?: string;
  timeoutMs?: number;
}

const running = new Set<ChildProcess>();

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    const done = await Promise.race([exited(child).then(() => true), sleep(graceMs).then(() => false)]);
    if (!done) {
      child.kill('SIGKILL');
      await exited(child);
    }
  }
  running.delete(child);
}

/** Stops every child still running (SIGTERM, then SIGKILL after `graceMs`). */
export async function stopAll(graceMs = 5_000): Promise<void> {
  await Promise.all([...running].map((child) => stopChild(child, graceMs)));
}

/** Last resort on process exit: SIGKILL whatever is left (synchronous). */
export function killAllNow(): void {
  for (const child of running) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  running.clear();
}

async function pollReady(url: string, child: ChildProcess, deadline: number): Promise<void> {
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error('exited before it was ready');
    try {
      const res = await request(url, { headersTimeout: 1_000, bodyTimeout: 1_000 });
      await res.body.dump();
      if (res.statusCode === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 in time`);
    await sleep(100);
  }
}

function readyLine(child: ChildProcess, deadline: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(
      () => reject(new Error('did not print READY in time')),
      Math.max(0, deadline - Date.now()),
    );
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString('utf8');
      const match = /READY (\S+)/.exec(buffered);
      if (match?.[1]) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with code ${String(code)} before it was ready`));
    });
  });
}

/**
 * Spawns a server and resolves once it is ready; on failure the child is killed and its stderr tail is in the error.
 */
export async function spawnServer(spec: SpawnSpec): Promise<ServerProcess> {
  const child = spawn(spec.command, spec.args, {
    env: { ...process.env, ...spec.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let stderrTail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString('utf8')).slice(-4_000);
  });
  if (spec.readyUrl) child.stdout?.resume();
  const deadline = Date.now() + (spec.timeoutMs ?? 30_000);
  let url: string;
  try {
    if (spec.readyUrl) {
      await pollReady(spec.readyUrl, child, deadline);
      url = spec.url ?? new URL(spec.readyUrl).origin;
    } else {
      url = await readyLine(child, deadline);
    }
  } catch (error) {
    await stopChild(child, 1_000);
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(`${spec.name} failed to start: ${why}${stderrTail ? `\n--- stderr ---\n${stderrTail}` : ''}`, {
      cause: error,
    });
  }
  if (child.pid === undefined) throw new Error(`${spec.name} has no pid`);
  return { name: spec.name, pid: child.pid, url, stop: (graceMs = 5_000) => stopChild(child, graceMs) };
}

/**
 * Resident set size of a process in MB from /proc/<pid>/status (`VmRSS`, or `VmHWM` for the peak); null when
 * unavailable.
 */
export async function residentMb(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): Promise<number | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
    return match?.[1] ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat; null when unavailable. */
export async function cpuSeconds(pid: number): Promise<number | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15 (clock ticks, 100 per second on
    // Linux).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** CPU µs per request a process spent between two /proc samples (10 ms resolution; fine over seconds of load). */
export const cpuPerRequest = (before: number | null, after: number | null, requests: number): number | null =>
  before === null || after === null || requests === 0 ? null : round(((after - before) * 1e6) / requests, 1);
