// Integration: the exact-match answer cache (opt-in, deterministic, TTL, stream replay, purge) and request coalescing.

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mockReplyText } from '../../src/mock-upstream/index.js';
import {
  KEYS,
  chatBody,
  chunkText,
  modelRequests,
  postJson,
  readSse,
  readUntil,
  standardYaml,
  startStack,
  waitFor,
  type Stack,
  actingAs,
} from './harness.js';

const USE = { 'x-parley-cache': 'use' };
type Completion = { choices: { message: { content: string } }[] };

let stack: Stack;
let completions: string;
beforeAll(async () => {
  stack = await startStack({
    yaml: standardYaml({ extra: 'cache: { mode: opt-in, ttl: 10m, maxEntries: 100 }' }),
    env: { ...KEYS },
    principals: ['bob'],
  });
  completions = `${stack.url}/v1/chat/completions`;
});
afterAll(async () => stack?.close());
beforeEach(() => {
  stack.mock.resetScenario();
  stack.mock.clearRequests();
});

let extra: Stack[] = [];
afterEach(async () => {
  await Promise.all(extra.map((s) => s.close()));
  extra = [];
});

let unique = 0;
/** A prompt no other test uses, so cache entries never leak between tests. */
const fresh = (label: string): string => `${label} ${++unique} ${Date.now()}`;

describe('opt-in cache', () => {
  it('serves the second identical opted-in request from the cache (hit) with one upstream call', async () => {
    const prompt = fresh('cache me');
    const first = await postJson(completions, chatBody('chat', prompt), USE);
    expect(first.headers.get('x-parley-cache')).toBe('miss');
    const a = (await first.json()) as Completion;
    const second = await postJson(completions, chatBody('chat', prompt), USE);
    expect(second.headers.get('x-parley-cache')).toBe('hit');
    const b = (await second.json()) as Completion;
    expect(b.choices[0].message.content).toBe(a.choices[0].message.content);
    expect(b.choices[0].message.content).toBe(mockReplyText(prompt, 16));
    expect(modelRequests(stack.mock)).toHaveLength(1);
  });

  it('replays a cached answer as a well-formed stream', async () => {
    const prompt = fresh('replay me');
    await (await postJson(completions, chatBody('chat', prompt), USE)).json();
    const res = await postJson(
      completions,
      chatBody('chat', prompt, { stream: true, stream_options: { include_usage: true } }),
      USE,
    );
    expect(res.headers.get('x-parley-cache')).toBe('hit');
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const { events } = await readSse(res);
    expect(events.at(-1)!.data).toBe('[DONE]');
    expect(chunkText(events)).toBe(mockReplyText(prompt, 16));
    const usage = JSON.parse(events.at(-2)!.data) as { usage: { completion_tokens: number } };
    expect(usage.usage.completion_tokens).toBe(16);
    expect(modelRequests(stack.mock)).toHaveLength(1);
  });

  it('bypasses the cache by default (opt-in mode) and with x-parley-cache: bypass', async () => {
    const prompt = fresh('no cache');
    for (const headers of [{}, {}, { 'x-parley-cache': 'bypass' }] as Record<string, string>[]) {
      const res = await postJson(completions, chatBody('chat', prompt), headers);
      expect(res.headers.get('x-parley-cache')).toBe('bypass');
      await res.json();
    }
    expect(modelRequests(stack.mock)).toHaveLength(3);
    // A bypassing request does not read an entry that an opted-in request stored.
    await (await postJson(completions, chatBody('chat', prompt), USE)).json();
    const bypass = await postJson(completions, chatBody('chat', prompt), { 'x-parley-cache': 'bypass' });
    expect(bypass.headers.get('x-parley-cache')).toBe('bypass');
    expect(modelRequests(stack.mock)).toHaveLength(5);
  });

  it('keys the cache by principal scope, model and parameters', async () => {
    const prompt = fresh('scoped');
    await (await postJson(completions, chatBody('chat', prompt), USE)).json();
    const other = await postJson(completions, chatBody('chat', prompt), { ...USE, ...actingAs(stack, 'bob') });
    expect(other.headers.get('x-parley-cache')).toBe('miss');
    const otherModel = await postJson(completions, chatBody('solo', prompt), USE);
    expect(otherModel.headers.get('x-parley-cache')).toBe('miss');
    const otherParams = await postJson(completions, chatBody('chat', prompt, { temperature: 0.3 }), USE);
    expect(otherParams.headers.get('x-parley-cache')).toBe('miss');
    const same = await postJson(completions, chatBody('chat', `${prompt}  \r\n`), USE);
    expect(same.headers.get('x-parley-cache')).toBe('hit');
    expect(modelRequests(stack.mock)).toHaveLength(4);
  });

  it('does not cache a failed answer', async () => {
    const prompt = fresh('failing');
    stack.mock.setScenario({ errorRates: { 500: 1 } });
    expect((await postJson(completions, chatBody('chat', prompt), USE)).status).toBe(502);
    stack.mock.resetScenario();
    const res = await postJson(completions, chatBody('chat', prompt), USE);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-parley-cache')).toBe('miss');
  });
});

describe('cache modes and TTL', () => {
  it('caches temperature-0 requests without a header in deterministic mode', async () => {
    const s = await startStack({ yaml: standardYaml({ extra: 'cache: { mode: deterministic }' }), env: { ...KEYS } });
    extra.push(s);
    const url = `${s.url}/v1/chat/completions`;
    const body = chatBody('chat', 'deterministic', { temperature: 0 });
    expect((await postJson(url, body)).headers.get('x-parley-cache')).toBe('miss');
    expect((await postJson(url, body)).headers.get('x-parley-cache')).toBe('hit');
    const warm = chatBody('chat', 'deterministic', { temperature: 0.7 });
    expect((await postJson(url, warm)).headers.get('x-parley-cache')).toBe('bypass');
    expect((await postJson(url, body, { 'x-parley-cache': 'bypass' })).headers.get('x-parley-cache')).toBe('bypass');
    expect(modelRequests(s.mock)).toHaveLength(3);
  });

  it('never caches in mode off, even when asked', async () => {
    const s = await startStack({ yaml: standardYaml({ extra: 'cache: { mode: off }' }), env: { ...KEYS } });
    extra.push(s);
    const url = `${s.url}/v1/chat/completions`;
    for (let i = 0; i < 2; i++)
      expect((await postJson(url, chatBody(), USE)).headers.get('x-parley-cache')).toBe('bypass');
    expect(modelRequests(s.mock)).toHaveLength(2);
  });

  it('keeps at most maxEntries answers, evicting the least recently used', async () => {
    const s = await startStack({
      yaml: standardYaml({ extra: 'cache: { mode: opt-in, maxEntries: 2 }' }),
      env: { ...KEYS },
    });
    extra.push(s);
    const url = `${s.url}/v1/chat/completions`;
    const ask = async (text: string): Promise<string | null> => {
      const res = await postJson(url, chatBody('chat', text), USE);
      await res.json();
      return res.headers.get('x-parley-cache');
    };
    expect([await ask('one'), await ask('two'), await ask('one')]).toEqual(['miss', 'miss', 'hit']);
    expect(await ask('three')).toBe('miss'); // evicts "two", the least recently used
    expect([await ask('one'), await ask('three'), await ask('two')]).toEqual(['hit', 'hit', 'miss']);
  });

  it('expires entries after the TTL', async () => {
    const s = await startStack({
      yaml: standardYaml({ extra: 'cache: { mode: opt-in, ttl: 250ms }' }),
      env: { ...KEYS },
    });
    extra.push(s);
    const url = `${s.url}/v1/chat/completions`;
    const stored = Date.now();
    expect((await postJson(url, chatBody(), USE)).headers.get('x-parley-cache')).toBe('miss');
    expect((await postJson(url, chatBody(), USE)).headers.get('x-parley-cache')).toBe('hit');
    await waitFor(
      async () => (await postJson(url, chatBody(), USE)).headers.get('x-parley-cache') === 'miss',
      'the entry to expire',
      3_000,
    );
    expect(Date.now() - stored).toBeGreaterThanOrEqual(240);
    expect(modelRequests(s.mock)).toHaveLength(2);
  });
});

describe('coalescing', () => {
  it('shares one upstream call among identical concurrent opted-in requests', async () => {
    stack.mock.setScenario({ ttftMs: 200 });
    const prompt = fresh('together');
    const responses = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        postJson(completions, chatBody('chat', prompt, i % 2 === 0 ? {} : { stream: true }), USE),
      ),
    );
    for (const res of responses) expect(res.status).toBe(200);
    const texts = await Promise.all(
      responses.map(async (res, i) =>
        i % 2 === 0
          ? ((await res.json()) as Completion).choices[0].message.content
          : chunkText((await readSse(res)).events),
      ),
    );
    for (const text of texts) expect(text).toBe(mockReplyText(prompt, 16));
    expect(modelRequests(stack.mock)).toHaveLength(1);
    expect(responses.filter((r) => r.headers.get('x-parley-coalesced') === 'true').length).toBe(4);
  });

  it("keeps serving followers when the leader's client aborts", async () => {
    stack.mock.setScenario({ tokens: 20, tokenDelayMs: 20 });
    const prompt = fresh('leader leaves');
    const leaderAbort = new AbortController();
    const leader = await postJson(completions, chatBody('chat', prompt, { stream: true }), USE, leaderAbort.signal);
    const { reader } = await readUntil(leader, (text) => text.includes('"content":"Mock"'));
    const follower = await postJson(completions, chatBody('chat', prompt, { stream: true }), USE);
    expect(follower.headers.get('x-parley-coalesced')).toBe('true');
    leaderAbort.abort();
    await reader.cancel().catch(() => undefined);
    const { events, text } = await readSse(follower);
    expect(text).not.toContain('"error"');
    expect(events.at(-1)!.data).toBe('[DONE]');
    expect(chunkText(events)).toBe(mockReplyText(prompt, 20));
    expect(modelRequests(stack.mock)).toHaveLength(1);
    // The completed shared answer was cached for the next caller.
    const later = await postJson(completions, chatBody('chat', prompt), USE);
    expect(later.headers.get('x-parley-cache')).toBe('hit');
  });

  it('aborts the shared upstream call once every client has left', async () => {
    stack.mock.setScenario({ tokens: 200, tokenDelayMs: 25 });
    const prompt = fresh('all leave');
    const controllers = [new AbortController(), new AbortController()];
    const first = await postJson(completions, chatBody('chat', prompt, { stream: true }), USE, controllers[0].signal);
    const r1 = await readUntil(first, (text) => text.includes('"content":"Mock"'));
    const second = await postJson(completions, chatBody('chat', prompt, { stream: true }), USE, controllers[1].signal);
    const r2 = await readUntil(second, (text) => text.includes('"content":"Mock"'));
    controllers[0].abort();
    await r1.reader.cancel().catch(() => undefined);
    expect(stack.mock.stats.open).toBe(1);
    controllers[1].abort();
    await r2.reader.cancel().catch(() => undefined);
    await waitFor(() => stack.mock.stats.open === 0, 'the shared upstream call to be aborted', 1_000);
  });
});

describe('sessions and the cache', () => {
  it("purges a session's cached answers when the session is deleted", async () => {
    const prompt = fresh('session cached');
    const newSession = async (): Promise<string> =>
      ((await (await postJson(`${stack.url}/v1/sessions`, { model: 'chat' })).json()) as { id: string }).id;
    const ask = async (id: string): Promise<string | null> => {
      const res = await postJson(`${stack.url}/v1/sessions/${id}/messages`, { content: prompt }, USE);
      expect(res.status).toBe(200);
      await res.json();
      return res.headers.get('x-parley-cache');
    };
    const first = await newSession();
    expect(await ask(first)).toBe('miss');
    // A second session with the same prompt shares the answer...
    expect(await ask(await newSession())).toBe('hit');
    expect(modelRequests(stack.mock)).toHaveLength(1);
    // ...until the session it came from is deleted.
    expect((await fetch(`${stack.url}/v1/sessions/${first}`, { method: 'DELETE' })).status).toBe(204);
    expect(await ask(await newSession())).toBe('miss');
    expect(modelRequests(stack.mock)).toHaveLength(2);
  });
});
