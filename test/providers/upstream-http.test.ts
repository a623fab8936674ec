// Shared upstream helpers: retry-after parsing, error envelopes, network error mapping, abort convention.

import { describe, expect, it } from 'vitest';
import { ParleyError } from '../../src/domain/index.js';
import {
  abortError,
  networkError,
  parseRetryAfter,
  toParleyError,
  upstreamError,
  upstreamTarget,
} from '../../src/providers/upstream-http.js';

describe('parseRetryAfter', () => {
  it('prefers retry-after-ms', () => {
    expect(parseRetryAfter({ 'retry-after-ms': '250.4', 'retry-after': '3' })).toBe(251);
  });
  it('reads seconds', () => {
    expect(parseRetryAfter({ 'retry-after': '3' })).toBe(3000);
    expect(parseRetryAfter({ 'retry-after': '0.5' })).toBe(500);
  });
  it('reads an HTTP-date relative to now, never negative', () => {
    const at = new Date(Date.now() + 5_000).toUTCString();
    const ms = parseRetryAfter({ 'retry-after': at });
    expect(ms).toBeGreaterThan(3_000);
    expect(ms).toBeLessThanOrEqual(5_000);
    expect(parseRetryAfter({ 'retry-after': 'Wed, 21 Oct 2015 07:28:00 GMT' })).toBe(0);
  });
  it('returns undefined when absent or invalid', () => {
    expect(parseRetryAfter({})).toBeUndefined();
    expect(parseRetryAfter({ 'retry-after': 'soon' })).toBeUndefined();
    expect(parseRetryAfter({ 'retry-after-ms': 'x' })).toBeUndefined();
  });
});

describe('upstreamError', () => {
  it('extracts the OpenAI envelope message', () => {
    const e = upstreamError(
      400,
      JSON.stringify({ error: { message: "Invalid 'messages'", type: 'invalid_request_error' } }),
      {},
    );
    expect(e.code).toBe('upstream_bad_request');
    expect(e.message).toBe("Provider returned HTTP 400: Invalid 'messages'");
    expect(e.upstreamStatus).toBe(400);
  });
  it('extracts the Anthropic envelope message and maps 529', () => {
    const e = upstreamError(
      529,
      JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }),
      { 'retry-after': '4' },
    );
    expect(e.code).toBe('upstream_overloaded');
    expect(e.message).toBe('Provider returned HTTP 529: Overloaded');
    expect(e.retryAfterMs).toBe(4000);
  });
  it('truncates long messages to 300 characters and redacts key-like tokens', () => {
    const e = upstreamError(
      401,
      JSON.stringify({ error: { message: `Incorrect API key provided: sk-proj-****abcd. ${'x'.repeat(500)}` } }),
      {},
    );
    const detail = e.message.replace('Provider returned HTTP 401: ', '');
    expect(detail.length).toBe(300);
    expect(e.message).not.toContain('abcd');
    expect(e.code).toBe('upstream_auth');
  });
  it('keeps plain-text bodies but not HTML pages', () => {
    expect(upstreamError(502, 'Bad gateway', {}).message).toBe('Provider returned HTTP 502: Bad gateway');
    expect(upstreamError(502, '<html><body>nginx</body></html>', {}).message).toBe('Provider returned HTTP 502');
  });
});

describe('networkError', () => {
  const sys = (code: string): Error => Object.assign(new Error(code), { code });
  it.each([
    ['ECONNREFUSED', 'upstream_network'],
    ['ECONNRESET', 'upstream_network'],
    ['UND_ERR_SOCKET', 'upstream_network'],
    ['UND_ERR_CONNECT_TIMEOUT', 'upstream_timeout'],
    ['UND_ERR_HEADERS_TIMEOUT', 'upstream_timeout'],
    ['ETIMEDOUT', 'upstream_timeout'],
  ])('maps %s to %s', (code, expected) => {
    expect(networkError(sys(code)).code).toBe(expected);
  });
  it('looks into AggregateError and cause', () => {
    expect(networkError(new AggregateError([sys('ECONNREFUSED')])).code).toBe('upstream_network');
    expect(networkError(new Error('fetch failed', { cause: sys('UND_ERR_CONNECT_TIMEOUT') })).code).toBe(
      'upstream_timeout',
    );
  });
  it('passes ParleyErrors through', () => {
    const e = new ParleyError('upstream_protocol', 'bad');
    expect(networkError(e)).toBe(e);
  });
});

describe('abort convention', () => {
  it('uses a ParleyError reason as is, anything else becomes client_closed', () => {
    const reason = new ParleyError('upstream_timeout', 'first byte');
    const a = new AbortController();
    a.abort(reason);
    expect(abortError(a.signal)).toBe(reason);
    const b = new AbortController();
    b.abort();
    expect(abortError(b.signal).code).toBe('client_closed');
    expect(toParleyError(Object.assign(new Error('x'), { code: 'ECONNRESET' }), b.signal).code).toBe('client_closed');
  });
});

describe('upstreamTarget', () => {
  it('joins base paths without double slashes', () => {
    expect(upstreamTarget('http://127.0.0.1:9000/v1/', '/chat/completions')).toEqual({
      origin: 'http://127.0.0.1:9000',
      path: '/v1/chat/completions',
    });
    expect(upstreamTarget('https://api.anthropic.com', '/v1/messages')).toEqual({
      origin: 'https://api.anthropic.com',
      path: '/v1/messages',
    });
  });
});
