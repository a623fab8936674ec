// Malformed responses of the mock upstream, each kind in both wire formats.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mockReplyText, startMockUpstream } from '../../src/mock-upstream/index.js';
import type { MalformedKind, MockUpstream } from '../../src/mock-upstream/index.js';
import {
  ANTHROPIC_HEADERS,
  anthropicBody,
  anthropicContent,
  openaiBody,
  openaiContent,
  parseSse,
  post,
} from './helpers.js';
import type { RawResponse } from './helpers.js';

let mock: MockUpstream;
beforeAll(async () => {
  mock = await startMockUpstream({ scenario: { tokens: 6 } });
});
afterAll(async () => {
  await mock.close();
});

const UNICODE_TEXT = 'héllo wörld ✓ 日本';

function openai(kind: MalformedKind, stream = true, user?: string): Promise<RawResponse> {
  const body = openaiBody({ stream, stream_options: { include_usage: true } });
  if (user !== undefined) body.messages = [{ role: 'user', content: user }];
  return post(`${mock.url}/v1/chat/completions`, body, { 'x-mock-scenario': JSON.stringify({ malformed: kind }) });
}

function anthropic(kind: MalformedKind, stream = true): Promise<RawResponse> {
  return post(`${mock.url}/v1/messages`, anthropicBody({ stream }), {
    ...ANTHROPIC_HEADERS,
    'x-mock-scenario': JSON.stringify({ malformed: kind }),
  });
}

function unparseable(data: string[]): string[] {
  return data.filter((d) => {
    try {
      JSON.parse(d);
      return false;
    } catch {
      return true;
    }
  });
}

describe('mock upstream: malformed streams', () => {
  it('bad-json: exactly one frame is not JSON, the rest of the stream is intact', async () => {
    const o = parseSse((await openai('bad-json')).text).events;
    expect(unparseable(o.map((e) => e.data).filter((d) => d !== '[DONE]'))).toHaveLength(1);
    expect(o.at(-1)?.data).toBe('[DONE]');
    expect(openaiContent(o)).toHaveLength(5);
    const a = parseSse((await anthropic('bad-json')).text).events;
    expect(unparseable(a.map((e) => e.data))).toHaveLength(1);
    expect(a.at(-1)?.event).toBe('message_stop');
  });

  it('split-lines: the same content arrives in pieces that split lines and UTF-8 characters', async () => {
    const res = await openai('split-lines', true, UNICODE_TEXT);
    const { events } = parseSse(res.text);
    expect(openaiContent(events).join('')).toBe(mockReplyText(UNICODE_TEXT, 6));
    expect(events.at(-1)?.data).toBe('[DONE]');
    expect(res.chunks).toBeGreaterThan(events.length);
    const a = await anthropic('split-lines');
    expect(a.chunks).toBeGreaterThan(10);
    expect(anthropicContent(parseSse(a.text).events)).toHaveLength(6);
  });

  it('no-done: the stream ends cleanly without its terminator', async () => {
    const o = parseSse((await openai('no-done')).text).events;
    expect(o.map((e) => e.data)).not.toContain('[DONE]');
    expect(JSON.parse(o.at(-1)?.data ?? '{}').usage.completion_tokens).toBe(6);
    const a = parseSse((await anthropic('no-done')).text).events;
    expect(a.at(-1)?.event).toBe('message_delta');
  });

  it('error-event: an error frame after half the tokens ends the stream', async () => {
    const o = parseSse((await openai('error-event')).text).events;
    expect(openaiContent(o)).toHaveLength(3);
    expect(JSON.parse(o.at(-1)?.data ?? '{}').error).toMatchObject({
      type: 'server_error',
      message: expect.any(String),
    });
    expect(o.map((e) => e.data)).not.toContain('[DONE]');
    const a = parseSse((await anthropic('error-event')).text).events;
    expect(anthropicContent(a)).toHaveLength(3);
    expect(a.at(-1)?.event).toBe('error');
    expect(JSON.parse(a.at(-1)?.data ?? '{}')).toEqual({
      type: 'error',
      error: { type: 'overloaded_error', message: 'Overloaded' },
    });
  });

  it('only-error-200: a 200 stream whose only frame is an error', async () => {
    const res = await openai('only-error-200');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('text/event-stream');
    const o = parseSse(res.text).events;
    expect(o).toHaveLength(1);
    expect(JSON.parse(o[0].data)).toHaveProperty('error.message');
    const a = parseSse((await anthropic('only-error-200')).text).events;
    expect(a.map((e) => e.event)).toEqual(['error']);
  });

  it('crlf: every line ends in CRLF and the content is unchanged', async () => {
    for (const res of [await openai('crlf'), await anthropic('crlf')]) {
      expect(res.text).toContain('\r\n\r\n');
      expect(/(?<!\r)\n/.test(res.text)).toBe(false);
    }
    expect(openaiContent(parseSse((await openai('crlf')).text).events).join('')).toBe(
      mockReplyText('hello brave new world', 6),
    );
  });

  it('keepalive-comments: comment lines between frames, content unchanged', async () => {
    const res = await openai('keepalive-comments');
    const { events, comments } = parseSse(res.text);
    expect(res.text.startsWith(':')).toBe(true);
    expect(comments.length).toBeGreaterThanOrEqual(6);
    expect(openaiContent(events)).toHaveLength(6);
    expect(events.at(-1)?.data).toBe('[DONE]');
    const a = parseSse((await anthropic('keepalive-comments')).text);
    expect(a.comments.length).toBeGreaterThanOrEqual(6);
    expect(anthropicContent(a.events)).toHaveLength(6);
  });
});

describe('mock upstream: malformed non-streaming bodies', () => {
  it('bad-json truncates the JSON body with status 200', async () => {
    for (const res of [await openai('bad-json', false), await anthropic('bad-json', false)]) {
      expect(res.status).toBe(200);
      expect(() => JSON.parse(res.text)).toThrow();
    }
  });

  it('only-error-200 returns an error envelope with status 200', async () => {
    const o = await openai('only-error-200', false);
    expect(o.status).toBe(200);
    expect(JSON.parse(o.text).error.type).toBe('server_error');
    const a = await anthropic('only-error-200', false);
    expect(a.status).toBe(200);
    expect(JSON.parse(a.text)).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });
  });

  it('split-lines delivers a valid body in many pieces', async () => {
    const res = await openai('split-lines', false);
    expect(res.chunks).toBeGreaterThan(5);
    expect(JSON.parse(res.text).choices[0].message.content).toBe(mockReplyText('hello brave new world', 6));
  });
});
