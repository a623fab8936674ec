// One provider conformance suite run against every adapter: recorded wire fixtures, status mapping, aborts.

import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ServerResponse } from 'node:http';
import { createServer } from 'node:net';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParleyError } from '../../src/domain/index.js';
import type { ChatEvent, ErrorCode } from '../../src/domain/index.js';
import { createDemoModel } from '../../src/providers/demo/demo-model.js';
import type { ProviderModel } from '../../src/providers/provider-model.js';
import {
  OPTS,
  REQUEST,
  TEXT,
  anthropic,
  expectWellFormed,
  openai,
  reasoningOf,
  scenarios,
  toolCallsOf,
} from './adapter-cases.js';
import type { HttpAdapterCase } from './adapter-cases.js';
import {
  closed,
  collect,
  loadChunks,
  loadFixture,
  replay,
  sendJson,
  startReplayServer,
  textOf,
} from './replay-server.js';
import type { ReplayServer } from './replay-server.js';

/** Flattens `streamGroups`, recording each group's size. */
async function collectGroups(
  groups: AsyncIterable<readonly ChatEvent[]>,
): Promise<{ events: ChatEvent[]; error?: unknown; sizes: number[] }> {
  const events: ChatEvent[] = [];
  const sizes: number[] = [];
  try {
    for await (const group of groups) {
      sizes.push(group.length);
      events.push(...group);
    }
    return { events, sizes };
  } catch (error) {
    return { events, error, sizes };
  }
}

const codeOf = (error: unknown): string | undefined => (error === undefined ? undefined : (error as ParleyError).code);

async function refusedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

describe.each([openai, anthropic])('$name adapter', (c) => {
  let server: ReplayServer;
  let model: ProviderModel;
  const signal = () => new AbortController().signal;

  beforeAll(async () => {
    server = await startReplayServer();
    model = c.create(server.origin);
  });
  afterAll(async () => {
    await model.close();
    await server.close();
  });

  it.each(scenarios(c))('replays %s', async (name, want) => {
    const chunks = loadChunks(c.name, name);
    server.handle((_req, res) => replay(res, chunks));
    const { events, error } = await collect(model.stream(REQUEST, { signal: signal(), ...OPTS }));
    expectWellFormed(events, want.errorCode === undefined);
    expect(textOf(events)).toBe(want.text);
    expect(toolCallsOf(events)).toEqual(
      (want.toolCalls ?? []).map((call) => ({ ...call, ended: want.errorCode === undefined })),
    );
    expect(reasoningOf(events)).toBe(want.reasoning ?? '');
    if (want.started) expect(events[0]).toEqual({ type: 'start', ...c.start });
    else expect(events).toEqual([]);
    if (want.errorCode === undefined) {
      expect(error).toBeUndefined();
      expect(events[events.length - 1]).toEqual({ type: 'finish', finishReason: want.finishReason, usage: want.usage });
    } else {
      expect(error).toBeInstanceOf(ParleyError);
      expect((error as ParleyError).code).toBe(want.errorCode);
      if (want.message) expect((error as ParleyError).message).toMatch(want.message);
    }
  });

  // The same answer read by read and in one network read; adapters that offer streamGroups (the fused
  // route's one-step-per-read path) must mean by it exactly what stream means, failures included.
  it.each(scenarios(c))('%s: the same events read by read, in one read, and as groups', async (name) => {
    const chunks = loadChunks(c.name, name);
    server.handle((_req, res) => replay(res, chunks));
    const reference = await collect(model.stream(REQUEST, { signal: signal(), ...OPTS }));
    server.handle((_req, res) => replay(res, [Buffer.concat(chunks)]));
    const burst = await collect(model.stream(REQUEST, { signal: signal(), ...OPTS }));
    expect(burst.events).toEqual(reference.events);
    expect(codeOf(burst.error)).toBe(codeOf(reference.error));
    if (!model.streamGroups) throw new Error(`${c.name}: every HTTP adapter offers streamGroups`);

    server.handle((_req, res) => replay(res, chunks));
    const byRead = await collectGroups(model.streamGroups(REQUEST, { signal: signal(), ...OPTS }));
    expect(byRead.events).toEqual(reference.events);
    expect(codeOf(byRead.error)).toBe(codeOf(reference.error));
    expect(byRead.sizes.every((n) => n > 0)).toBe(true);
    server.handle((_req, res) => replay(res, [Buffer.concat(chunks)]));
    const groups = await collectGroups(model.streamGroups(REQUEST, { signal: signal(), ...OPTS }));
    expect(groups.events).toEqual(reference.events);
    expect(codeOf(groups.error)).toBe(codeOf(reference.error));
    if (reference.events.length > 3) expect(groups.sizes.length).toBeLessThan(reference.events.length);
  });

  it('sends the mapped request (path, auth, version, trace headers, body)', async () => {
    server.handle((_req, res) => replay(res, loadChunks(c.name, 'stream-usage')));
    await collect(model.stream(REQUEST, { signal: signal(), ...OPTS }));
    c.checkRequest(server.requests[server.requests.length - 1]);
  });

  it('maps a non-streamed answer to start, one delta and finish', async () => {
    const file = loadFixture(c.name, 'non-stream.json');
    server.handle((_req, res, body) => {
      expect((JSON.parse(body) as { stream?: boolean }).stream).toBeUndefined();
      sendJson(res, 200, file);
    });
    const { events, error } = await collect(model.stream({ ...REQUEST, stream: false }, { signal: signal() }));
    expect(error).toBeUndefined();
    expect(events.map((e) => e.type)).toEqual(['start', 'text-delta', 'finish']);
    expect(textOf(events)).toBe(TEXT);
    expect(events[2]).toEqual({ type: 'finish', finishReason: 'stop', usage: c.usage });
  });

  const statuses: [number, ErrorCode][] = [
    [400, 'upstream_bad_request'],
    [401, 'upstream_auth'],
    [403, 'upstream_auth'],
    [404, 'upstream_not_found'],
    [408, 'upstream_timeout'],
    [409, 'upstream_conflict'],
    [422, 'upstream_bad_request'],
    [429, 'upstream_rate_limited'],
    [500, 'upstream_server_error'],
    [502, 'upstream_server_error'],
    [503, 'upstream_overloaded'],
    [529, 'upstream_overloaded'],
  ];
  it.each(statuses)('maps HTTP %i to %s with the provider message', async (status, code) => {
    const headers: Record<string, string> = status === 429 ? { 'retry-after': '2' } : {};
    server.handle((_req, res) =>
      sendJson(res, status, c.errorBody(`Problem ${status} with key sk-abc123456789`), headers),
    );
    const { events, error } = await collect(model.stream(REQUEST, { signal: signal(), ...OPTS }));
    expect(events).toEqual([]);
    expect(error).toBeInstanceOf(ParleyError);
    const e = error as ParleyError;
    expect(e.code).toBe(code);
    expect(e.upstreamStatus).toBe(status);
    expect(e.message).toContain(`Problem ${status}`);
    expect(e.message).not.toContain('sk-abc123456789');
    expect(e.retryAfterMs).toBe(status === 429 ? 2000 : undefined);
  });

  it('honours retry-after-ms over retry-after', async () => {
    server.handle((_req, res) =>
      sendJson(res, 429, c.errorBody('slow down'), { 'retry-after-ms': '1500', 'retry-after': '9' }),
    );
    const { error } = await collect(model.stream(REQUEST, { signal: signal() }));
    expect((error as ParleyError).retryAfterMs).toBe(1500);
  });

  it('maps a refused connection to upstream_network', async () => {
    const port = await refusedPort();
    const dead = c.create(`http://127.0.0.1:${port}`);
    const { events, error } = await collect(dead.stream(REQUEST, { signal: signal() }));
    await dead.close();
    expect(events).toEqual([]);
    expect((error as ParleyError).code).toBe('upstream_network');
  });

  it('yields start only after body data, never on headers alone', async () => {
    let release = (): void => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    server.handle(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.flushHeaders();
      await released;
      await replay(res, loadChunks(c.name, 'stream-usage'));
    });
    const headersSeen = new Promise<void>((resolve) => {
      const onHeaders = (): void => {
        unsubscribe('undici:request:headers', onHeaders);
        resolve();
      };
      subscribe('undici:request:headers', onHeaders);
    });
    const it = model.stream(REQUEST, { signal: signal() })[Symbol.asyncIterator]();
    let settled = false;
    const first = it.next().then((r) => ((settled = true), r));
    await headersSeen;
    for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    release();
    expect((await first).value).toEqual({ type: 'start', ...c.start });
    await collect({ [Symbol.asyncIterator]: () => it });
  });

  it('aborting mid-stream closes the upstream connection and throws client_closed', async () => {
    let serverClosed: Promise<void> | undefined;
    server.handle((_req, res: ServerResponse) => {
      serverClosed = closed(res);
      return replay(res, loadChunks(c.name, 'stream-usage').slice(0, 4), { end: false });
    });
    const ac = new AbortController();
    const events: ChatEvent[] = [];
    let error: unknown;
    try {
      for await (const ev of model.stream(REQUEST, { signal: ac.signal })) {
        events.push(ev);
        if (ev.type === 'text-delta') ac.abort();
      }
    } catch (err) {
      error = err;
    }
    expect(events.map((e) => e.type)).toEqual(['start', 'text-delta']);
    expect((error as ParleyError).code).toBe('client_closed');
    await serverClosed;
  });

  it('stops at once on abort even when more events are already buffered', async () => {
    server.handle((_req, res) =>
      replay(res, [Buffer.concat(loadChunks(c.name, 'stream-usage').slice(0, -2))], { end: false }),
    );
    const ac = new AbortController();
    const events: ChatEvent[] = [];
    let error: unknown;
    try {
      for await (const ev of model.stream(REQUEST, { signal: ac.signal })) {
        events.push(ev);
        if (ev.type === 'text-delta') ac.abort();
      }
    } catch (err) {
      error = err;
    }
    expect(events.map((e) => e.type)).toEqual(['start', 'text-delta']);
    expect((error as ParleyError).code).toBe('client_closed');
  });

  it('aborting while waiting for headers rethrows a ParleyError reason and closes the connection', async () => {
    let serverClosed: Promise<void> | undefined;
    let arrived = (): void => undefined;
    const requestArrived = new Promise<void>((resolve) => (arrived = resolve));
    server.handle((_req, res) => {
      serverClosed = closed(res);
      arrived();
    });
    const ac = new AbortController();
    const reason = new ParleyError('upstream_timeout', 'first byte timeout');
    const pending = collect(model.stream(REQUEST, { signal: ac.signal }));
    await requestArrived;
    ac.abort(reason);
    const { events, error } = await pending;
    expect(events).toEqual([]);
    expect(error).toBe(reason);
    await serverClosed;
  });

  it('reuses the keep-alive connection after a complete stream', async () => {
    const pool = new Pool(server.origin, { connections: 1 });
    const pooled = c.create(server.origin, pool);
    server.handle((_req, res) => replay(res, loadChunks(c.name, 'stream-usage')));
    const before = server.requests.length;
    expect((await collect(pooled.stream(REQUEST, { signal: signal() }))).error).toBeUndefined();
    expect((await collect(pooled.stream(REQUEST, { signal: signal() }))).error).toBeUndefined();
    const [a, b] = server.requests.slice(before);
    expect(a.socket).toBe(b.socket);
    await pooled.close();
    await pool.close();
  });
});

interface ContractCase {
  name: string;
  setup(): Promise<{ model: ProviderModel; hold(): void; teardown(): Promise<void> }>;
}

function httpContract(c: HttpAdapterCase): ContractCase {
  return {
    name: c.name,
    async setup() {
      const server = await startReplayServer();
      const model = c.create(server.origin);
      server.handle((_req, res, body) =>
        (JSON.parse(body) as { stream?: boolean }).stream
          ? replay(res, loadChunks(c.name, 'stream-usage'))
          : sendJson(res, 200, loadFixture(c.name, 'non-stream.json')),
      );
      return {
        model,
        hold: () =>
          server.handle((_req, res) => replay(res, loadChunks(c.name, 'stream-usage').slice(0, 5), { end: false })),
        teardown: async () => {
          await model.close();
          await server.close();
        },
      };
    },
  };
}

const demo: ContractCase = {
  name: 'demo',
  async setup() {
    const model = createDemoModel({ tokenDelayMs: 0, firstTokenDelayMs: 0 });
    return { model, hold: () => undefined, teardown: () => model.close() };
  },
};

describe.each([httpContract(openai), httpContract(anthropic), demo])('ChatModel contract: $name', (c) => {
  let ctx: Awaited<ReturnType<ContractCase['setup']>>;
  beforeAll(async () => {
    ctx = await c.setup();
  });
  afterAll(() => ctx.teardown());

  it('streams a well-formed answer with usage', async () => {
    const { events, error } = await collect(ctx.model.stream(REQUEST, { signal: new AbortController().signal }));
    expect(error).toBeUndefined();
    expectWellFormed(events, true);
    expect(textOf(events).length).toBeGreaterThan(0);
    const finish = events[events.length - 1];
    expect(finish.type === 'finish' && finish.usage !== undefined && finish.usage.outputTokens > 0).toBe(true);
  });

  it('answers stream: false with the same event shape', async () => {
    const { events, error } = await collect(
      ctx.model.stream({ ...REQUEST, stream: false }, { signal: new AbortController().signal }),
    );
    expect(error).toBeUndefined();
    expectWellFormed(events, true);
    expect(events.filter((e) => e.type === 'text-delta')).toHaveLength(1);
  });

  it('throws client_closed without output when the signal is already aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    const { events, error } = await collect(ctx.model.stream(REQUEST, { signal: ac.signal }));
    expect(events).toEqual([]);
    expect((error as ParleyError).code).toBe('client_closed');
  });

  it('stops at once when aborted mid-stream', async () => {
    ctx.hold();
    const ac = new AbortController();
    const reason = new ParleyError('upstream_timeout', 'idle timeout');
    const seen: ChatEvent[] = [];
    let error: unknown;
    try {
      for await (const ev of ctx.model.stream(REQUEST, { signal: ac.signal })) {
        seen.push(ev);
        if (ev.type === 'text-delta') ac.abort(reason);
      }
    } catch (err) {
      error = err;
    }
    expect(seen.map((e) => e.type)).toEqual(['start', 'text-delta']);
    expect(error).toBe(reason);
  });
});
