// Memory under many open streams: holds N concurrent streaming requests through a server and samples its RSS.

import { setMaxListeners } from 'node:events';
import { Pool } from 'undici';
import { residentMb } from './processes.js';
import { round } from './stats.js';

/** Settings of {@link measureStreamsMemory}. */
export interface MemorySpec {
  /** Base URL of the server under test. */
  url: string;
  /** Its pid, for /proc/<pid>/status. */
  pid: number;
  path: string;
  body: string;
  headers: Record<string, string>;
  streams: number;
  /** Gives up (and aborts what is left) after this long. */
  timeoutMs: number;
  sampleEveryMs?: number;
}

/** What {@link measureStreamsMemory} observed (MB, milliseconds). */
export interface MemoryResult {
  streams: number;
  /** Most streams open (response headers received, body not finished) at one time. */
  maxOpen: number;
  /** Whether all `streams` were open at the same time. */
  allOpenAtOnce: boolean;
  completed: number;
  failed: number;
  /** Why streams failed: HTTP status or error code, with counts. */
  failures?: Record<string, number>;
  rssBeforeMb: number | null;
  /** Peak RSS sampled while all streams were open (null if they never were). */
  peakRssAllOpenMb: number | null;
  /** Peak RSS sampled at any time during the phase. */
  peakRssMb: number | null;
  rssAfterMb: number | null;
  /** Kernel's high-water mark of the process (whole life, earlier phases included). */
  vmHwmMb: number | null;
  /** Milliseconds from the first request until all streams were open. */
  rampMs: number | null;
  durationMs: number;
  samples: number;
}

/** Opens `streams` streaming requests at once, drains them, and samples the server's RSS meanwhile. */
export async function measureStreamsMemory(spec: MemorySpec): Promise<MemoryResult> {
  const pool = new Pool(spec.url, {
    connections: spec.streams,
    headersTimeout: spec.timeoutMs,
    bodyTimeout: spec.timeoutMs,
  });
  const controller = new AbortController();
  setMaxListeners(spec.streams + 10, controller.signal);
  const started = Date.now();
  let open = 0;
  let maxOpen = 0;
  let completed = 0;
  let failed = 0;
  const failures: Record<string, number> = {};
  const failure = (why: string): void => {
    failed++;
    failures[why] = (failures[why] ?? 0) + 1;
  };
  let rampMs: number | null = null;
  let peakAllOpen: number | null = null;
  let peak: number | null = null;
  let samples = 0;
  const rssBeforeMb = await residentMb(spec.pid);

  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const rss = await residentMb(spec.pid);
      if (rss !== null) {
        samples++;
        peak = Math.max(peak ?? 0, rss);
        if (open === spec.streams) peakAllOpen = Math.max(peakAllOpen ?? 0, rss);
      }
      await new Promise((resolve) => setTimeout(resolve, spec.sampleEveryMs ?? 100));
    }
  })();

  const one = async (): Promise<void> => {
    let counted = false;
    try {
      const res = await pool.request({
        path: spec.path,
        method: 'POST',
        headers: spec.headers,
        body: spec.body,
        signal: controller.signal,
      });
      if (res.statusCode !== 200) {
        await res.body.dump();
        failure(String(res.statusCode));
        return;
      }
      open++;
      counted = true;
      if (open > maxOpen) maxOpen = open;
      if (open === spec.streams && rampMs === null) rampMs = Date.now() - started;
      for await (const chunk of res.body) void chunk;
      completed++;
    } catch (error) {
      failure((error as { code?: string }).code ?? (error as Error).name);
    } finally {
      if (counted) open--;
    }
  };

  const timer = setTimeout(() => controller.abort(), spec.timeoutMs);
  await Promise.all(Array.from({ length: spec.streams }, one));
  clearTimeout(timer);
  const durationMs = Date.now() - started;
  sampling = false;
  await sampler;
  await pool.close();
  const rssAfterMb = await residentMb(spec.pid);
  const vmHwmMb = await residentMb(spec.pid, 'VmHWM');
  return {
    streams: spec.streams,
    maxOpen,
    allOpenAtOnce: maxOpen === spec.streams,
    completed,
    failed,
    failures,
    rssBeforeMb: round(rssBeforeMb, 1),
    peakRssAllOpenMb: round(peakAllOpen, 1),
    peakRssMb: round(peak, 1),
    rssAfterMb: round(rssAfterMb, 1),
    vmHwmMb: round(vmHwmMb, 1),
    rampMs,
    durationMs,
    samples,
  };
}
