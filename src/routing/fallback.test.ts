import { describe, expect, it } from 'vitest';
import type { ErrorCode, ParleyErrorOptions } from '../domain/index.js';
import { FakeModel, collect, fails, ok, opts, perr, recordingObserver, req, textOf } from './fake-model.test-helper.js';
import { withFallback } from './fallback.js';

function chain(...models: FakeModel[]) {
  return withFallback(
    models.map((model, i) => ({ model, label: `t${i + 1}` })),
    'chat',
  );
}

describe('withFallback', () => {
  it('falls back from a stream that opened and failed before content; the consumer never sees its start', async () => {
    const first = new FakeModel([[{ type: 'start', id: 'from-1' }, { fail: perr('upstream_stream_error') }]], 'one');
    const second = new FakeModel([[{ type: 'start', id: 'from-2' }, { type: 'text-delta', text: 'hello' }, { type: 'finish', finishReason: 'stop' }]], 'two');
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
    expect(log).toEqual([['fallback', 0, 1, 'upstream_stream_error']]);
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
  });

  const cases: [string, [ErrorCode, ParleyErrorOptions][], number][] = [
    ['504 when every failure was a timeout', [['upstream_timeout', {}], ['upstream_timeout', {}]], 504],
    [
      '503 when failures were only unavailability',
      [['circuit_open', { retryAfterMs: 9_000 }], ['no_healthy_key', {}], ['upstream_rate_limited', { retryAfterMs: 2_000 }], ['upstream_overloaded', {}]],
      503,
    ],
    ['502 otherwise', [['upstream_timeout', {}], ['circuit_open', {}], ['upstream_server_error', { upstreamStatus: 500 }]], 502],
    ['the last code\'s status for a mix: 503 after a timeout then an open circuit', [['upstream_timeout', {}], ['circuit_open', {}]], 503],
    ['503 for an overloaded last target after a server error (code and status agree)', [['upstream_server_error', { upstreamStatus: 500 }], ['upstream_overloaded', { upstreamStatus: 529 }]], 503],
    ['504 for a timeout after a server error', [['upstream_server_error', {}], ['upstream_timeout', {}]], 504],
  ];
  it.each(cases)('summarises exhausted chains: %s', async (_, failures, status) => {
    const models = failures.map(([code, o]) => new FakeModel([fails(code, o)]));
    const { error } = await collect(chain(...models).stream(req(), opts()));
    const [lastCode, lastOptions] = failures[failures.length - 1];
    expect(error?.status).toBe(status);
    expect(error?.code).toBe(lastCode);
    expect(error?.upstreamStatus).toBe(lastOptions.upstreamStatus);
    const retryAfters = failures.map(([, o]) => o.retryAfterMs).filter((v) => v !== undefined);
    expect(error?.retryAfterMs).toBe(retryAfters.length ? Math.min(...retryAfters) : undefined);
  });

  it('names every target and its error in the summary message', async () => {
    const first = new FakeModel([[{ fail: perr('upstream_timeout', {}, 'Upstream sent no first byte within 30000 ms') }]]);
    const second = new FakeModel([[{ fail: perr('upstream_server_error', {}, 'HTTP 500 from anthropic') }]]);
    const model = withFallback(
      [
        { model: first, label: 'main/gpt-4o-mini' },
        { model: second, label: 'backup/claude-haiku-4-5' },
      ],
      'chat',
    );
    const { error } = await collect(model.stream(req(), opts()));
    expect(error?.message).toBe(
      'All 2 targets for model "chat" failed: main/gpt-4o-mini: Upstream sent no first byte within 30000 ms; backup/claude-haiku-4-5: HTTP 500 from anthropic',
    );
  });
});
