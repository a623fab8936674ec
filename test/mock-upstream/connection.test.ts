// Connection faults of the mock upstream: resets, stalls, delays, client aborts and a prompt close().

import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startMockUpstream } from '../../src/mock-upstream/index.js';
import type { MockUpstream } from '../../src/mock-upstream/index.js';
import {
  ANTHROPIC_HEADERS,
  anthropicBody,
  anthropicContent,
  openaiBody,
  openaiContent,
  parseSse,
  readUntilEnd,
} from './helpers.js';

let mock: MockUpstream;
beforeAll(async () => {
  mock = await startMockUpstream({ scenario: { tokens: 10 } });
});
afterAll(async () => {
  await mock.close();
});

function scenario(value: object): Record<string, string> {
  return { 'x-mock-scenario': JSON.stringify(value) };
}

/** Opens a stream and resolves once `predicate` holds for the text received so far. */
async function openStream(
  url: string,
  body: unknown,
  headers: Record<string, string>,
  predicate: (text: string) => boolean,
  signal: AbortSignal,
): Promise<{ text: string; rest: Promise<unknown> }> {
  const res = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal,
  });
  const iterator = res.body[Symbol.asyncIterator]();
  let text = '';
  while (!predicate(text)) {
    const next = await iterator.next();
    if (next.done === true) throw new Error(`stream ended early: ${text}`);
    text += (next.value as Buffer).toString('utf8');
  }
  const rest = (async () => {
    for (;;) {
      const next = await iterator.next();
      if (next.done === true) return 'ended';
      text += (next.value as Buffer).toString('utf8');
    }
  })().catch((error: unknown) => error);
  return { text, rest };
}

describe('mock upstream: resets', () => {
  it('destroys an OpenAI stream after exactly N tokens', async () => {
    const { text, error } = await readUntilEnd(
      `${mock.url}/v1/chat/completions`,
      openaiBody({ stream: true }),
      scenario({ resetAfterTokens: 3 }),
    );
    expect(error).toBeInstanceOf(Error);
    expect(openaiContent(parseSse(text).events)).toEqual(['Mock', ' reply:', ' hello']);
    expect(text).not.toContain('[DONE]');
    expect(text).not.toContain('finish_reason":"stop"');
  });

  it('destroys an Anthropic stream after exactly N tokens', async () => {
    const { text, error } = await readUntilEnd(`${mock.url}/v1/messages`, anthropicBody({ stream: true }), {
      ...ANTHROPIC_HEADERS,
      ...scenario({ resetAfterTokens: 2, tokenDelayMs: 1 }),
    });
    expect(error).toBeInstanceOf(Error);
    expect(anthropicContent(parseSse(text).events)).toEqual(['Mock', ' reply:']);
    expect(text).not.toContain('message_stop');
  });

  it('resets right after the headers at 0 tokens, and before any response when not streaming', async () => {
    const streamed = await readUntilEnd(
      `${mock.url}/v1/chat/completions`,
      openaiBody({ stream: true }),
      scenario({ resetAfterTokens: 0 }),
    );
    expect(streamed.error).toBeInstanceOf(Error);
    expect(openaiContent(parseSse(streamed.text).events)).toEqual([]);
    const plain = request(`${mock.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...scenario({ resetAfterTokens: 1 }) },
      body: JSON.stringify(openaiBody()),
    });
    await expect(plain).rejects.toThrow();
  });
});

describe('mock upstream: stalls and delays', () => {
  it('stops sending after N tokens but keeps the socket open until the client leaves', async () => {
    const controller = new AbortController();
    const url = `${mock.url}/v1/chat/completions`;
    const stream = await openStream(
      url,
      openaiBody({ stream: true }),
      scenario({ stallAfterTokens: 2 }),
      (t) => t.includes('" reply:"'),
      controller.signal,
    );
    const outcome = await Promise.race([stream.rest, new Promise((resolve) => setTimeout(resolve, 150, 'still open'))]);
    expect(outcome).toBe('still open');
    expect(mock.stats.open).toBeGreaterThanOrEqual(1);
    controller.abort();
    expect(await stream.rest).toBeInstanceOf(Error);
    await vi.waitFor(() => expect(mock.stats.open).toBe(0));
  });

  it('stalls before headers until the client gives up, leaving nothing open', async () => {
    const started = Date.now();
    const call = request(`${mock.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...scenario({ stallBeforeHeaders: true }) },
      body: JSON.stringify(openaiBody()),
      signal: AbortSignal.timeout(150),
    });
    await expect(call).rejects.toThrow();
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    await vi.waitFor(() => expect(mock.stats.open).toBe(0));
  });

  it('ends a long token delay as soon as the client disconnects', async () => {
    const controller = new AbortController();
    const url = `${mock.url}/v1/chat/completions`;
    const stream = await openStream(
      url,
      openaiBody({ stream: true }),
      scenario({ tokenDelayMs: 60_000 }),
      (t) => t.includes('"Mock"'),
      controller.signal,
    );
    controller.abort();
    await stream.rest;
    await vi.waitFor(() => expect(mock.stats.open).toBe(0));
  });

  it('waits latencyMs before headers and ttftMs between headers and the first token', async () => {
    const started = Date.now();
    const res = await request(`${mock.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...scenario({ latencyMs: 100, ttftMs: 400, tokens: 2 }) },
      body: JSON.stringify(openaiBody({ stream: true })),
    });
    const headersAt = Date.now() - started;
    const text = await res.body.text();
    const doneAt = Date.now() - started;
    expect(headersAt).toBeGreaterThanOrEqual(95);
    expect(doneAt - headersAt).toBeGreaterThanOrEqual(390);
    expect(openaiContent(parseSse(text).events)).toEqual(['Mock', ' reply:']);
  });

  it('spaces tokens by tokenDelayMs', async () => {
    const started = Date.now();
    const { text } = await readUntilEnd(
      `${mock.url}/v1/chat/completions`,
      openaiBody({ stream: true }),
      scenario({ tokens: 4, tokenDelayMs: 40 }),
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(115);
    expect(openaiContent(parseSse(text).events)).toHaveLength(4);
  });
});

describe('mock upstream: close()', () => {
  it('returns promptly while a stalled connection is open, and the client sees the connection end', async () => {
    const local = await startMockUpstream({ scenario: { stallAfterTokens: 1 } });
    const controller = new AbortController();
    const stream = await openStream(
      `${local.url}/v1/chat/completions`,
      openaiBody({ stream: true }),
      {},
      (t) => t.includes('"Mock"'),
      controller.signal,
    );
    const hanging = request(`${local.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...scenario({ stallBeforeHeaders: true }) },
      body: JSON.stringify(openaiBody()),
    }).then(
      () => 'answered',
      (error: unknown) => error,
    );
    await vi.waitFor(() => expect(local.requests).toHaveLength(2));
    const started = Date.now();
    await local.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await stream.rest).toBeInstanceOf(Error);
    expect(await hanging).toBeInstanceOf(Error);
    expect(local.stats.open).toBe(0);
  });
});
