// Benchmark settings from command-line flags, then BENCH_* environment variables, then defaults.

import { parseArgs } from 'node:util';

/** Every knob of a benchmark run. */
export interface BenchOptions {
  /** Seconds of measured load per target, request kind and round. */
  durationS: number;
  /** Load rounds: each measures every target once, in alternating order; the figures merge the rounds. */
  rounds: number;
  /** Seconds of unmeasured load before each measured run. */
  warmupS: number;
  /** Concurrent connections of the load generator. */
  connections: number;
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
  phases: Set<'load' | 'ttft' | 'memory'>;
  /** Request kinds of the load phase. */
  kinds: Array<'plain' | 'stream'>;
  /** Where results are saved; null = do not save. */
  outDir: string | null;
}

const USAGE = `Usage: npm run bench -- [options]     (or: node --import tsx bench/run.ts [options])

  --duration S        measured seconds per target, kind, round  (BENCH_DURATION, default 5)
  --rounds N          load rounds, targets alternated           (BENCH_ROUNDS, default 3)
  --warmup S          warm-up seconds before a target's first   (BENCH_WARMUP, default 2)
                      measured run of each kind
  --connections N     load-generator concurrency                (BENCH_CONNECTIONS, default 32)
  --ttft-requests N   sequential streams per target for TTFT    (BENCH_TTFT_REQUESTS, default 500)
  --ttft-ms N         mock time to first token in that phase    (BENCH_TTFT_MS, default 20)
  --streams N         concurrent streams in the memory phase    (BENCH_STREAMS, default 1000)
  --stream-seconds S  how long those streams stay open          (BENCH_STREAM_SECONDS, default 10)
  --api-key KEY       Bearer credential for Parley              (BENCH_API_KEY)
  --phases LIST       any of load,ttft,memory                   (BENCH_PHASES, default all)
  --kinds LIST        load-phase request kinds: plain,stream    (BENCH_KINDS, default both)
  --from-source       run Parley from src/ with tsx instead of dist/
  --profile           run Parley under node --cpu-prof and print the top self-time functions
  --no-save           print only; do not write bench/results/
  -h, --help          this text`;

/** A count flag: a positive number rounded to a whole one, at least 1. */
const count = (flag: string, value: string | undefined, env: string | undefined, fallback: number): number =>
  Math.max(1, Math.round(num(flag, value, env, fallback)));

function num(flag: string, value: string | undefined, env: string | undefined, fallback: number): number {
  const raw = value ?? env;
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${flag}: expected a positive number, got "${raw}"`);
  return n;
}

/** Parses argv/env; returns null after printing the usage for --help. */
export function parseBenchOptions(argv: string[], env: NodeJS.ProcessEnv, defaultOutDir: string): BenchOptions | null {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      duration: { type: 'string' },
      rounds: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
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
  const phaseList = (values.phases ?? env.BENCH_PHASES ?? 'load,ttft,memory')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  const phases = new Set<'load' | 'ttft' | 'memory'>();
  for (const p of phaseList) {
    if (p !== 'load' && p !== 'ttft' && p !== 'memory')
      throw new Error(`--phases: unknown phase "${p}" (use load, ttft, memory)`);
    phases.add(p);
  }
  const kinds: Array<'plain' | 'stream'> = [];
  for (const k of (values.kinds ?? env.BENCH_KINDS ?? 'plain,stream')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)) {
    if (k !== 'plain' && k !== 'stream') throw new Error(`--kinds: unknown kind "${k}" (use plain, stream)`);
    if (!kinds.includes(k)) kinds.push(k);
  }
  return {
    durationS: num('duration', values.duration, env.BENCH_DURATION, 5),
    rounds: count('rounds', values.rounds, env.BENCH_ROUNDS, 3),
    warmupS: num('warmup', values.warmup, env.BENCH_WARMUP, 2),
    connections: count('connections', values.connections, env.BENCH_CONNECTIONS, 32),
    ttftRequests: count('ttft-requests', values['ttft-requests'], env.BENCH_TTFT_REQUESTS, 500),
    ttftMockMs: num('ttft-ms', values['ttft-ms'], env.BENCH_TTFT_MS, 20),
    streams: count('streams', values.streams, env.BENCH_STREAMS, 1000),
    streamSeconds: num('stream-seconds', values['stream-seconds'], env.BENCH_STREAM_SECONDS, 10),
    apiKey: values['api-key'] ?? (env.BENCH_API_KEY || undefined),
    fromSource: values['from-source'],
    profile: values.profile,
    phases,
    kinds,
    outDir: values['no-save'] ? null : defaultOutDir,
  };
}
