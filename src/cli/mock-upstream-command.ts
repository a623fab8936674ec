// `parley mock-upstream`: runs the fault-injecting fake provider from the command line until SIGINT/SIGTERM.

import { parseArgs } from 'node:util';
import { startMockUpstream } from '../mock-upstream/server.js';
import { MALFORMED_KINDS, parseScenario } from '../mock-upstream/scenario.js';
import type { MalformedKind, Scenario } from '../mock-upstream/scenario.js';
import type { MockUpstreamOptions } from '../mock-upstream/types.js';
import { FLOOD_KINDS } from '../mock-upstream/flood.js';

/** Usage text printed by `--help`. */
export const MOCK_UPSTREAM_USAGE = `Usage: parley mock-upstream [options]

A fake OpenAI (POST /v1/chat/completions, POST /v1/embeddings, GET /v1/models) and Anthropic (POST /v1/messages)
provider that injects faults, for tests, benchmarks and failover rehearsals. In both wire formats it
calls tools (the first tool, or the first two in parallel; arguments built from the JSON Schema, with
strings set to the last user text, streamed in 8-character fragments), answers tool results with
"tool results: ...", answers JSON formats with an object built from the schema, streams reasoning
when reasoning_effort / thinking is asked for, and counts images ("[images: N]" in the reply). Embeddings are deterministic unit vectors seeded by
the model and input (1536 floats, 3072 for models named "large"), honouring dimensions and
encoding_format, with OpenAI's checks and the faults that apply to a JSON answer.

Options:
  --port N                 port to listen on (default 9000; 0 = any free port)
  --host H                 interface to listen on (default 127.0.0.1)
  --latency-ms N           delay before response headers
  --ttft-ms N              delay after headers before the first token
  --token-delay-ms N       delay between tokens
  --tokens N               reply length in tokens (default 16)
  --error-rate STATUS=P    fail with STATUS with probability P (repeatable), e.g. --error-rate 500=0.2
  --retry-after S          retry-after seconds on 429/503/529
  --fail-first N           the first N requests fail (deterministic) ...
  --fail-status S          ... with this status (default 500)
  --reset-after-tokens N   destroy the socket after N tokens
  --stall-after-tokens N   stop sending after N tokens, keep the socket open
  --stall-before-headers   never send headers
  --malformed KIND         ${MALFORMED_KINDS.join(' | ')}
  --flood KIND             ${FLOOD_KINDS.join(' | ')} (oversized or endless answers)
  --flood-bytes N          content characters of a long-line flood (default 50 MiB)
  --keys k1,k2             accept only these API keys (others get 401)
  --key-scenario KEY=JSON  scenario for one API key (repeatable), e.g. keyA='{"errorRates":{"429":1}}'
  --model-scenario M=JSON  scenario for one requested model id (repeatable), e.g. gpt-dead='{"errorRates":{"500":1}}'
  --scenario JSON          any scenario fields as JSON
  --models m1,m2           model ids listed by GET /v1/models
  --seed N                 seed of the error-rate RNG (default 1)
  --no-record              do not keep requests for GET /__mock/requests
  -h, --help               show this help

Admin API: GET|POST|DELETE /__mock/scenario, GET|DELETE /__mock/requests, GET /__mock/stats.
Per request: header x-mock-scenario: {"failFirst":1,...}.`;

/** Overrides for tests: a signal that stops the server, and where to print. */
export interface MockUpstreamCommandIo {
  signal?: AbortSignal;
  print?: (line: string) => void;
}

function count(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0)
    throw new Error(`--${flag}: expected a non-negative number, got "${value}"`);
  return n;
}

function pair(flag: string, value: string): [string, string] {
  const at = value.indexOf('=');
  if (at <= 0) throw new Error(`--${flag}: expected NAME=VALUE, got "${value}"`);
  return [value.slice(0, at), value.slice(at + 1)];
}

function json(flag: string, value: string): Partial<Scenario> {
  try {
    return parseScenario(JSON.parse(value));
  } catch (error) {
    throw new Error(`--${flag}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** Parses the command's flags into server options; throws an Error naming the bad flag. */
export function parseMockUpstreamArgs(args: string[]): { help: boolean; options: MockUpstreamOptions } {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'latency-ms': { type: 'string' },
        'ttft-ms': { type: 'string' },
        'token-delay-ms': { type: 'string' },
        tokens: { type: 'string' },
        'error-rate': { type: 'string', multiple: true },
        'retry-after': { type: 'string' },
        'fail-first': { type: 'string' },
        'fail-status': { type: 'string' },
        'reset-after-tokens': { type: 'string' },
        'stall-after-tokens': { type: 'string' },
        'stall-before-headers': { type: 'boolean' },
        malformed: { type: 'string' },
        flood: { type: 'string' },
        'flood-bytes': { type: 'string' },
        keys: { type: 'string' },
        'key-scenario': { type: 'string', multiple: true },
        'model-scenario': { type: 'string', multiple: true },
        scenario: { type: 'string' },
        models: { type: 'string' },
        seed: { type: 'string' },
        'no-record': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n\n${MOCK_UPSTREAM_USAGE}`, {
      cause: error,
    });
  }
  const v = parsed.values;
  const scenario: Partial<Scenario> = v.scenario === undefined ? {} : json('scenario', v.scenario);
  const numbers = {
    latencyMs: count('latency-ms', v['latency-ms']),
    ttftMs: count('ttft-ms', v['ttft-ms']),
    tokenDelayMs: count('token-delay-ms', v['token-delay-ms']),
    tokens: count('tokens', v.tokens),
    retryAfterSeconds: count('retry-after', v['retry-after']),
    failFirst: count('fail-first', v['fail-first']),
    failStatus: count('fail-status', v['fail-status']),
    resetAfterTokens: count('reset-after-tokens', v['reset-after-tokens']),
    stallAfterTokens: count('stall-after-tokens', v['stall-after-tokens']),
    seed: count('seed', v.seed),
    floodBytes: count('flood-bytes', v['flood-bytes']),
  };
  for (const [key, value] of Object.entries(numbers)) {
    if (value !== undefined) (scenario as Record<string, unknown>)[key] = value;
  }
  if (v['error-rate'] !== undefined) {
    const rates: Record<string, number> = {};
    for (const item of v['error-rate']) {
      const [status, p] = pair('error-rate', item);
      rates[status] = Number(p);
    }
    Object.assign(scenario, json('error-rate', JSON.stringify({ errorRates: rates })));
  }
  if (v['stall-before-headers'] === true) scenario.stallBeforeHeaders = true;
  if (v.malformed !== undefined) {
    if (!MALFORMED_KINDS.includes(v.malformed as MalformedKind)) {
      throw new Error(`--malformed: expected one of ${MALFORMED_KINDS.join(', ')}, got "${v.malformed}"`);
    }
    scenario.malformed = v.malformed as MalformedKind;
  }
  if (v.flood !== undefined) Object.assign(scenario, json('flood', JSON.stringify({ flood: v.flood })));
  const checked = json('scenario', JSON.stringify(scenario));
  const keyScenarios: Record<string, Partial<Scenario>> = {};
  for (const item of v['key-scenario'] ?? []) {
    const [key, value] = pair('key-scenario', item);
    keyScenarios[key] = json('key-scenario', value);
  }
  const modelScenarios: Record<string, Partial<Scenario>> = {};
  for (const item of v['model-scenario'] ?? []) {
    const [model, value] = pair('model-scenario', item);
    modelScenarios[model] = json('model-scenario', value);
  }
  const list = (s: string | undefined): string[] | undefined =>
    s === undefined
      ? undefined
      : s
          .split(',')
          .map((x) => x.trim())
          .filter((x) => x !== '');
  const port = count('port', v.port) ?? 9000;
  if (!Number.isInteger(port) || port > 65_535) throw new Error(`--port: expected a port number, got "${v.port}"`);
  return {
    help: v.help === true,
    options: {
      host: v.host ?? '127.0.0.1',
      port,
      scenario: checked,
      keyScenarios,
      modelScenarios,
      validKeys: list(v.keys),
      models: list(v.models),
      record: v['no-record'] !== true,
      maxRecorded: 1000,
    },
  };
}

/**
 * Runs `parley mock-upstream`: prints `mock-upstream listening on URL`, serves until SIGINT/SIGTERM
 * (or `io.signal` aborts), then closes. `--help` prints usage. Bad flags throw an Error with usage.
 */
export async function mockUpstreamCommand(args: string[], io: MockUpstreamCommandIo = {}): Promise<void> {
  const print = io.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const { help, options } = parseMockUpstreamArgs(args);
  if (help) {
    print(MOCK_UPSTREAM_USAGE);
    return;
  }
  const mock = await startMockUpstream(options);
  print(`mock-upstream listening on ${mock.url}`);
  print(`  OpenAI base URL ${mock.url}/v1, Anthropic base URL ${mock.url}; scenario ${JSON.stringify(mock.scenario)}`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      io.signal?.removeEventListener('abort', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (io.signal?.aborted === true) stop();
    else io.signal?.addEventListener('abort', stop, { once: true });
  });
  await mock.close();
  print('mock-upstream stopped');
}
