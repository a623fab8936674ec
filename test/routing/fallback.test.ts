// Fallback: the decisions (movesToNextTarget, targetFailure, summarise) and the route engine walking a chain of targets
// through buildRoute.

import { describe, expect, it } from 'vitest';
import { ParleyError } from '../../src/domain/index.js';
import type { ErrorCode, ParleyErrorOptions } from '../../src/domain/index.js';
import { movesToNextTarget, summarise, targetFailure } from '../../src/routing/fallback.js';
import {
  FakeModel,
  collect,
  fails,
  ok,
  only,
  opts,
  perr,
  recordingObserver,
  req,
  routeOver,
  textOf,
} from './fake-model.js';

/** A chain of keyless targets `t1`, `t2`, ... without retries or deadlines, for model `chat`. */
function chain(...models: FakeModel[]) {
  return routeOver(models.map((adapter) => ({ adapter }))).model;
}

const summaryCases: [string, [ErrorCode, ParleyErrorOptions][], number][] = [
  [
    '504 when every failure was a timeout',
    [
      ['upstream_timeout', {}],
      ['upstream_timeout', {}],
    ],
    504,
  ],
  [
    '503 when failures were only unavailability',
    [
      ['circuit_open', { retryAfterMs: 9_000 }],
      ['no_healthy_key', {}],
      ['upstream_rate_limited', { retryAfterMs: 2_000 }],
      ['upstream_overloaded', {}],
    ],
    503,
  ],
  [
    '502 otherwise',
    [
      ['upstream_timeout', {}],
      ['circuit_open', {}],
      ['upstream_server_error', { upstreamStatus: 500 }],
    ],
    502,
  ],
  [
    "the last code's status for a mix: 503 after a timeout then an open circuit",
    [
      ['upstream_timeout', {}],
      ['circuit_open', {}],
    ],
    503,
  ],
  [
    '503 for an overloaded last target after a server error (code and status agree)',
    [
      ['upstream_server_error', { upstreamStatus: 500 }],
      ['upstream_overloaded', { upstreamStatus: 529 }],
    ],
    503,
  ],
  [
    '504 for a timeout after a server error',
    [
      ['upstream_server_error', {}],
      ['upstream_timeout', {}],
    ],
    504,
  ],
];

/** What a summary of `failures` must say. */
function expectSummary(
  error: ParleyError | undefined,
  failures: [ErrorCode, ParleyErrorOptions][],
  status: number,
): void {
  const [lastCode, lastOptions] = failures[failures.length - 1];
  expect(error?.status).toBe(status);
  expect(error?.code).toBe(lastCode);
  expect(error?.upstreamStatus).toBe(lastOptions.upstreamStatus);
  const retryAfters = failures.map(([, o]) => o.retryAfterMs).filter((v) => v !== undefined);
  expect(error?.retryAfterMs).toBe(retryAfters.length ? Math.min(...retryAfters) : undefined);
}

describe('fallback decisions', () => {
  it('every failure moves to the next target except upstream_bad_request and client_closed', () => {
    for (const code of [
      'upstream_auth',
      'no_healthy_key',
      'internal',
      'upstream_timeout',
      'circuit_open',
      'upstream_rate_limited',
      'upstream_server_error',
      'shutting_down',
    ] as const) {
      expect(movesToNextTarget(perr(code))).toBe(true);
    }
    expect(movesToNextTarget(perr('upstream_bad_request'))).toBe(false);
    expect(movesToNextTarget(perr('client_closed'))).toBe(false);
  });

  it('records a ParleyError as-is and anything else as internal, keeping the cause', () => {
    const known = perr('upstream_timeout');
    expect(targetFailure(known)).toBe(known);
    const bug = new Error('bug');
    const failure = targetFailure(bug);
    expect([failure.code, failure.status, failure.message, failure.cause]).toEqual([
      'internal',
      500,
      'Unexpected failure in the route',
      bug,
    ]);
  });

  it.each(summaryCases)('summarise: %s', (_, failures, status) => {
    const error = summarise(
      'chat',
      failures.map(([code, o], i) => ({ label: `t${i + 1}`, error: perr(code, o) })),
    );
    expectSummary(error, failures, status);
    expect(error.cause).toBeInstanceOf(ParleyError);
    expect((error.cause as ParleyError).code).toBe(failures[failures.length - 1][0]);
  });

  it('summarise names one target as "the only target"', () => {
    expect(summarise('chat', [{ label: 'main/x', error: perr('upstream_timeout', {}, 'slow') }]).message).toBe(
      'The only target for model "chat" failed: main/x: slow',
    );
  });
});

describe('route engine: fallback', () => {
  it('falls back from a stream that opened and failed before content; the consumer never sees its start', async () => {
    const first = new FakeModel([[{ type: 'start', id: 'from-1' }, { fail: perr('upstream_stream_error') }]], 'one');
    const second = new FakeModel(
      [
        [
          { type: 'start', id: 'from-2' },
          { type: 'text-delta', text: 'hello' },
          { type: 'finish', finishReason: 'stop' },
        ],
      ],
      'two',
    );
    const { observer, log } = recordingObserver();
    const model = chain(first, second);
    expect(model.provider).toBe('one');
    const { events, error } = await collect(model.stream(req(), opts({ observer })));
    expect(error).toBeUndefined();
    expect(events).toEqual([
      { type: 'start', id: 'from-2' },
      { type: 'text-delta', text: 'hello' },
      { type: 'finish', finishReason: 'stop' },
    ]);
    expect(only(log, 'fallback')).toEqual([['fallback', 0, 1, 'upstream_stream_error']]);
    expect([first.calls[0].options.fallbackIndex, second.calls[0].options.fallbackIndex]).toEqual([0, 1]);
  });

  it('rethrows a failure after content as-is, without falling back', async () => {
    const boom = perr('upstream_stream_error');
    const first = new FakeModel([[{ type: 'start' }, { type: 'text-delta', text: 'par' }, { fail: boom }]]);
    const second = new FakeModel([ok('full')]);
    const { events, error } = await collect(chain(first, second).stream(req(), opts()));
    expect(textOf(events)).toBe('par');
    expect(error).toBe(boom);
    expect(second.calls).toHaveLength(0);
  });

  it.each(['upstream_bad_request', 'client_closed'] as const)('rethrows %s at once', async (code) => {
    const first = new FakeModel([fails(code)]);
    const second = new FakeModel([ok('x')]);
    const { error } = await collect(chain(first, second).stream(req(), opts()));
    expect(error?.code).toBe(code);
    expect(error?.message).toBe(`fake ${code}`);
    expect(second.calls).toHaveLength(0);
  });

  it('stops at once when the signal is aborted with a reason, even a retryable one', async () => {
    const controller = new AbortController();
    const shutdown = perr('shutting_down');
    const first = new FakeModel([[{ type: 'start' }, { hang: true }]]);
    const second = new FakeModel([ok('x')]);
    const run = collect(chain(first, second).stream(req(), opts({ signal: controller.signal })));
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort(shutdown);
    const { error } = await run;
    expect(error).toBe(shutdown);
    expect(first.calls[0].abortedAtEnd).toBe(true);
    expect(second.calls).toHaveLength(0);
  });

  it('moves on after auth, server and routing errors', async () => {
    const models = [fails('upstream_auth'), fails('no_healthy_key'), fails('internal')].map((s) => new FakeModel([s]));
    const last = new FakeModel([ok('finally')]);
    const { events } = await collect(chain(...models, last).stream(req(), opts()));
    expect(textOf(events)).toBe('finally');
    expect(models.map((m) => m.calls.length)).toEqual([1, 1, 1]);
  });

  it('moves on after a failure that is not a ParleyError, reported as internal', async () => {
    const broken = new FakeModel(() => {
      throw new TypeError('adapter bug');
    });
    const last = new FakeModel([ok('finally')]);
    const { observer, log } = recordingObserver();
    const { events } = await collect(chain(broken, last).stream(req(), opts({ observer })));
    expect(textOf(events)).toBe('finally');
    expect(only(log, 'fallback')).toEqual([['fallback', 0, 1, 'internal']]);
  });

  it.each(summaryCases)('summarises exhausted chains: %s', async (_, failures, status) => {
    const models = failures.map(([code, o]) => new FakeModel([fails(code, o)]));
    const { error } = await collect(chain(...models).stream(req(), opts()));
    expectSummary(error, failures, status);
  });

  it('names every target and its error in the summary message', async () => {
    const first = new FakeModel([
      [{ fail: perr('upstream_timeout', {}, 'Upstream sent no first byte within 30000 ms') }],
    ]);
    const second = new FakeModel([[{ fail: perr('upstream_server_error', {}, 'HTTP 500 from anthropic') }]]);
    const { model } = routeOver([
      { adapter: first, label: 'main/gpt-4o-mini' },
      { adapter: second, label: 'backup/claude-haiku-4-5' },
    ]);
    const { error } = await collect(model.stream(req(), opts()));
    expect(error?.message).toBe(
      'All 2 targets for model "chat" failed: main/gpt-4o-mini: Upstream sent no first byte ' +
        'within 30000 ms; backup/claude-haiku-4-5: HTTP 500 from anthropic',
    );
  });
});
