// Benchmark settings from command-line flags, then BENCH_* environment variables, then defaults.

import { parseArgs } from 'node:util';

/** The phases of a run, in the order they run on each runtime. */
export const PHASES = ['cpu', 'latency', 'ttft', 'memory'] as const;
export type PhaseName = (typeof PHASES)[number];

/** Every knob of a benchmark run. */
export interface BenchOptions {
  /** Seconds of measured load per target, request kind and round. */
  durationS: number;
  /** Load rounds: each measures every target once, in alternating order; the figures merge the rounds. */
  rounds: number;
  /** Seconds of unmeasured load before each target's first measured run of a kind. */
  warmupS: number;
  /** Concurrent connections of the CPU phase (the mock answers at once). */
  connections: number;
  /** Concurrent connections of the latency phase. */
  latencyConnections: number;
  /** The mock's delay before the response headers in the latency phase. */
  upstreamMs: number;
  /** Sequential streaming requests per target in the TTFT phase. */
  ttftRequests: number;
  /** The mock's time to first token in the TTFT phase. */
  ttftMockMs: number;
  /** Concurrent streams in the memory phase. */
  streams: number;
  /** How long each memory-phase stream stays open (the mock paces tokens 50 ms apart). */
  streamSeconds: number;
  /** Bearer credential sent to Parley (and harmlessly to the mock). */
  apiKey?: string;
  /** Run Parley from src/ with tsx instead of the built dist/. */
  fromSource: boolean;
  /** Run Parley with `node --cpu-prof` and summarise the profile at the end. */
  profile: boolean;
  phases: Set<PhaseName>;
  /** Request kinds of the CPU phase. */
  kinds: Array<'plain' | 'stream'>;
  /** Node.js runtimes for Parley and the floor: a major version (`24`, fetched with npx) or a node binary's path. */
  runtimes: string[];
  /** Where results are saved; null = do not save. */
  outDir: string | null;
}

const USAGE = `Usage: npm run bench -- [options]     (or: node --import tsx bench/run.ts [options])

  --runtime LIST          Node.js runtimes for Parley and the floor: major   (BENCH_RUNTIME, default 20,24)
                          versions (npx -y node@N) or paths of node binaries
  --phases LIST           any of cpu,latency,ttft,memory                     (BENCH_PHASES, default all)
  --duration S            measured seconds per target, kind, round           (BENCH_DURATION, default 5)
  --rounds N              load rounds, targets alternated                    (BENCH_ROUNDS, default 3)
  --warmup S              warm-up seconds before a target's first            (BENCH_WARMUP, default 2)
                          measured run of each kind
  --connections N         CPU phase concurrency (mock answers at once)       (BENCH_CONNECTIONS, default 32)
  --kinds LIST            CPU phase request kinds: plain,stream              (BENCH_KINDS, default both)
  --latency-connections N latency phase concurrency                          (BENCH_LATENCY_CONNECTIONS, default 50)
  --upstream-ms N         mock delay before its answer in that phase         (BENCH_UPSTREAM_MS, default 100)
  --ttft-requests N       sequential streams per target for TTFT             (BENCH_TTFT_REQUESTS, default 500)
  --ttft-ms N             mock time to first token in that phase             (BENCH_TTFT_MS, default 20)
  --streams N             concurrent streams in the memory phase             (BENCH_STREAMS, default 1000)
  --stream-seconds S      how long those streams stay open                   (BENCH_STREAM_SECONDS, default 10)
  --api-key KEY           Bearer credential for Parley                       (BENCH_API_KEY)
  --from-source           run Parley from src/ with tsx instead of dist/
  --profile               run Parley under node --cpu-prof and print the top self-time functions
  --no-save               print only; do not write bench/results/
  -h, --help              this text`;

/** A count flag: a positive number rounded to a whole one, at least 1. */
export const count = (flag: string, value: string | undefined, env: string | undefined, fallback: number): number =>
  Math.max(1, Math.round(num(flag, value, env, fallback)));

/** A positive number from a flag, else its environment variable, else `fallback`; anything else is refused by name. */
export function num(flag: string, value: string | undefined, env: string | undefined, fallback: number): number {
  const raw = value ?? env;
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${flag}: expected a positive number, got "${raw}"`);
  return n;
}

const list = (raw: string): string[] =>
  raw
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/** Parses argv/env; returns null after printing the usage for --help. */
export function parseBenchOptions(argv: string[], env: NodeJS.ProcessEnv, defaultOutDir: string): BenchOptions | null {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      runtime: { type: 'string' },
      duration: { type: 'string' },
      rounds: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      'latency-connections': { type: 'string' },
      'upstream-ms': { type: 'string' },
      'ttft-requests': { type: 'string' },
      'ttft-ms': { type: 'string' },
      streams: { type: 'string' },
      'stream-seconds': { type: 'string' },
      'api-key': { type: 'string' },
      phases: { type: 'string' },
      kinds: { type: 'string' },
      'from-source': { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      'no-save': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return null;
  }
  const phases = new Set<PhaseName>();
  for (const p of list(values.phases ?? env.BENCH_PHASES ?? PHASES.join(','))) {
    if (!(PHASES as readonly string[]).includes(p))
      throw new Error(`--phases: unknown phase "${p}" (use ${PHASES.join(', ')})`);
    phases.add(p as PhaseName);
  }
  const kinds: Array<'plain' | 'stream'> = [];
  for (const k of list(values.kinds ?? env.BENCH_KINDS ?? 'plain,stream')) {
    if (k !== 'plain' && k !== 'stream') throw new Error(`--kinds: unknown kind "${k}" (use plain, stream)`);
    if (!kinds.includes(k)) kinds.push(k);
  }
  const runtimes: string[] = [];
  for (const r of list(values.runtime ?? env.BENCH_RUNTIME ?? '20,24')) {
    if (!/^\d+$/.test(r) && !r.includes('/'))
      throw new Error(`--runtime: expected a major version (24) or a path to node, got "${r}"`);
    if (!runtimes.includes(r)) runtimes.push(r);
  }
  if (runtimes.length === 0) throw new Error('--runtime: no runtime given');
  return {
    durationS: num('duration', values.duration, env.BENCH_DURATION, 5),
    rounds: count('rounds', values.rounds, env.BENCH_ROUNDS, 3),
    warmupS: num('warmup', values.warmup, env.BENCH_WARMUP, 2),
    connections: count('connections', values.connections, env.BENCH_CONNECTIONS, 32),
    latencyConnections: count('latency-connections', values['latency-connections'], env.BENCH_LATENCY_CONNECTIONS, 50),
    upstreamMs: num('upstream-ms', values['upstream-ms'], env.BENCH_UPSTREAM_MS, 100),
    ttftRequests: count('ttft-requests', values['ttft-requests'], env.BENCH_TTFT_REQUESTS, 500),
    ttftMockMs: num('ttft-ms', values['ttft-ms'], env.BENCH_TTFT_MS, 20),
    streams: count('streams', values.streams, env.BENCH_STREAMS, 1000),
    streamSeconds: num('stream-seconds', values['stream-seconds'], env.BENCH_STREAM_SECONDS, 10),
    apiKey: values['api-key'] ?? (env.BENCH_API_KEY || undefined),
    fromSource: values['from-source'],
    profile: values.profile,
    phases,
    kinds,
    runtimes,
    outDir: values['no-save'] ? null : defaultOutDir,
  };
}
