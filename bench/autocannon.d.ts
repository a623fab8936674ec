// Minimal type declarations for the parts of autocannon's programmatic API the benchmark uses (it ships none).

declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  /** Options of a run (subset). */
  export interface Options {
    url: string;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    connections?: number;
    pipelining?: number;
    /** Seconds. */
    duration?: number;
    /** Seconds without a response before a request counts as a timeout. */
    timeout?: number;
    setupClient?: (client: Client) => void;
  }

  /** One autocannon connection (subset): `headers` fires with the parsed response head. */
  export interface Client extends EventEmitter {
    on(event: 'headers', listener: (info: { statusCode: number; headers: string[] }) => void): this;
  }

  /** Aggregated result (subset). */
  export interface Result {
    duration: number;
    errors: number;
    timeouts: number;
    non2xx: number;
    '2xx': number;
    requests: { average: number; total: number; sent: number };
    latency: { p50: number; p99: number; average: number };
    throughput: { average: number };
  }

  /** A running job. */
  export interface Instance extends EventEmitter {
    on(
      event: 'response',
      listener: (client: Client, statusCode: number, resBytes: number, responseTime: number) => void,
    ): this;
    stop(): void;
  }

  function autocannon(opts: Options, cb: (err: Error | null, result: Result) => void): Instance;
  export default autocannon;
}
