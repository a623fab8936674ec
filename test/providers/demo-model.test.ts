// The offline demo provider: content, determinism, pacing and abort.

import { describe, expect, it } from 'vitest';
import { ParleyError } from '../../src/domain/index.js';
import type { ChatEvent, ChatRequest } from '../../src/domain/index.js';
import { createDemoModel, demoReply, splitTokens } from '../../src/providers/demo/demo-model.js';
import { collect, textOf } from './replay-server.js';

const long = 'Please summarise the quarterly report for the board meeting next Tuesday, focusing on risks.';
const req: ChatRequest = {
  model: 'demo-1',
  messages: [
    { role: 'system', content: 'sys' },
    { role: 'user', content: 'first question' },
    { role: 'assistant', content: 'answer' },
    { role: 'user', content: long },
  ],
  params: {},
};

describe('demo model', () => {
  it('acknowledges the last user message (first 60 chars), names itself and explains configuration', () => {
    const reply = demoReply(req.messages);
    expect(reply).toContain(`"${long.slice(0, 60).trimEnd()}…"`);
    expect(reply).not.toContain(long.slice(0, 61));
    expect(reply).toContain("Parley's built-in demo provider");
    expect(reply).toContain('PARLEY_CONFIG');
    expect(reply).toContain('--config');
    expect(reply).toContain('providers:');
    expect(reply).toContain('models:');
    expect(reply).toContain('README');
    const n = splitTokens(reply).length;
    expect(n).toBeGreaterThanOrEqual(40);
    expect(n).toBeLessThanOrEqual(70);
  });

  it('streams word-sized tokens deterministically with usage estimates', async () => {
    const model = createDemoModel({ tokenDelayMs: 0, firstTokenDelayMs: 0 });
    const a = await collect(model.stream(req, { signal: new AbortController().signal }));
    const b = await collect(model.stream(req, { signal: new AbortController().signal }));
    expect(a.events).toEqual(b.events);
    const deltas = a.events.filter((e) => e.type === 'text-delta');
    expect(textOf(a.events)).toBe(demoReply(req.messages));
    expect(deltas.length).toBe(splitTokens(demoReply(req.messages)).length);
    const chars = req.messages.reduce((n, m) => n + m.content.length, 0);
    expect(a.events[a.events.length - 1]).toEqual({
      type: 'finish',
      finishReason: 'stop',
      usage: { inputTokens: Math.ceil(chars / 4), outputTokens: deltas.length },
    });
    expect(a.events[0]).toMatchObject({ type: 'start', model: 'demo-1' });
  });

  it('paces tokens with timers (first-token delay before start)', async () => {
    const model = createDemoModel({ tokenDelayMs: 1, firstTokenDelayMs: 40 });
    const t0 = performance.now();
    const it = model.stream(req, { signal: new AbortController().signal })[Symbol.asyncIterator]();
    expect((await it.next()).value).toMatchObject({ type: 'start' });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(35);
    await it.return?.(undefined);
  });

  it('stops waiting at once when aborted during a delay', async () => {
    const model = createDemoModel({ tokenDelayMs: 60_000, firstTokenDelayMs: 0 });
    const ac = new AbortController();
    const seen: ChatEvent[] = [];
    let error: unknown;
    const t0 = performance.now();
    try {
      for await (const ev of model.stream(req, { signal: ac.signal })) {
        seen.push(ev);
        if (ev.type === 'text-delta') setImmediate(() => ac.abort());
      }
    } catch (err) {
      error = err;
    }
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(seen.map((e) => e.type)).toEqual(['start', 'text-delta']);
    expect(error).toBeInstanceOf(ParleyError);
    expect((error as ParleyError).code).toBe('client_closed');
  });

  it('answers stream: false with one delta', async () => {
    const model = createDemoModel({ firstTokenDelayMs: 0 });
    const { events } = await collect(model.stream({ ...req, stream: false }, { signal: new AbortController().signal }));
    expect(events.map((e) => e.type)).toEqual(['start', 'text-delta', 'finish']);
  });

  it('handles a conversation without a user message', () => {
    expect(demoReply([{ role: 'system', content: 'x' }])).toMatch(/^You sent an empty message\./);
  });
});
