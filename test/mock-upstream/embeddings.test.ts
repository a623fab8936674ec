// The mock upstream's OpenAI /v1/embeddings: OpenAI's shape and checks, deterministic vectors, and the faults that
// apply.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mockEmbedding, mockInputTokens, startMockUpstream, toBase64Float32 } from '../../src/mock-upstream/index.js';
import type { MockUpstream } from '../../src/mock-upstream/index.js';
import { post } from './helpers.js';

let mock: MockUpstream;
let url: string;
beforeAll(async () => {
  mock = await startMockUpstream({ validKeys: ['sk-good'] });
  url = `${mock.url}/v1/embeddings`;
});
afterAll(async () => mock.close());
beforeEach(() => mock.resetScenario());

const auth = { authorization: 'Bearer sk-good' };
const embed = (body: unknown, headers: Record<string, string> = {}) => post(url, body, { ...auth, ...headers });
type List = {
  object: string;
  model: string;
  data: { object: string; index: number; embedding: number[] | string }[];
  usage: { prompt_tokens: number; total_tokens: number };
};

describe('mock upstream: /v1/embeddings answers', () => {
  it('one unit-length float vector per input, deterministic, with usage', async () => {
    const res = await embed({ model: 'text-embedding-3-small', input: ['hello', 'world'] });
    expect(res.status).toBe(200);
    const body = JSON.parse(res.text) as List;
    expect(body.object).toBe('list');
    expect(body.model).toBe('text-embedding-3-small');
    expect(body.data.map((d) => [d.object, d.index])).toEqual([
      ['embedding', 0],
      ['embedding', 1],
    ]);
    const first = body.data[0].embedding as number[];
    expect(first).toHaveLength(1536);
    expect(first).toEqual(mockEmbedding('text-embedding-3-small', 'hello'));
    expect(Math.hypot(...first)).toBeCloseTo(1, 5);
    expect(body.data[1].embedding).toEqual(mockEmbedding('text-embedding-3-small', 'world'));
    expect(mockEmbedding('text-embedding-3-small', 'hello')).not.toEqual(
      mockEmbedding('text-embedding-3-small', 'hello!'),
    );
    expect(body.usage).toEqual({
      prompt_tokens: 2 * mockInputTokens('hello'),
      total_tokens: 2 * mockInputTokens('hello'),
    });
    const tokens = JSON.parse((await embed({ model: 'text-embedding-3-small', input: [[1, 2, 3], [4]] })).text) as List;
    expect(tokens.data[0].embedding).toEqual(mockEmbedding('text-embedding-3-small', [1, 2, 3]));
    expect(tokens.usage.prompt_tokens).toBe(4);
  });

  it('honours dimensions (shortened and renormalised) and base64 (little-endian float32)', async () => {
    const res = await embed({ model: 'text-embedding-3-large', input: 'x', dimensions: 8, encoding_format: 'base64' });
    const body = JSON.parse(res.text) as List;
    const expected = mockEmbedding('text-embedding-3-large', 'x', 8);
    expect(body.data[0].embedding).toBe(toBase64Float32(expected));
    expect(Math.hypot(...expected)).toBeCloseTo(1, 5);
    expect(mockEmbedding('text-embedding-3-large', 'x')).toHaveLength(3072);
  });

  it.each([
    ['no input', { model: 'text-embedding-3-small' }, /'input' is a required property/],
    ['an empty string', { model: 'text-embedding-3-small', input: '' }, /'\$\.input' is invalid/],
    ['a mixed array', { model: 'text-embedding-3-small', input: ['a', [1]] }, /'\$\.input' is invalid/],
    [
      '2049 inputs',
      { model: 'text-embedding-3-small', input: Array.from({ length: 2049 }, () => 'a') },
      /maximum input array length is 2048/,
    ],
    [
      'a bad encoding_format',
      { model: 'text-embedding-3-small', input: 'a', encoding_format: 'int8' },
      /encoding_format/,
    ],
    [
      'dimensions past the native size',
      { model: 'text-embedding-3-small', input: 'a', dimensions: 1537 },
      /between 1 and 1536/,
    ],
    [
      'dimensions on ada-002',
      { model: 'text-embedding-ada-002', input: 'a', dimensions: 8 },
      /does not support specifying dimensions/,
    ],
    ['no model', { input: 'a' }, /you must provide a model parameter/],
  ])("refuses %s with 400 in OpenAI's envelope", async (_name, body, message) => {
    const res = await embed(body);
    expect(res.status).toBe(400);
    const error = (JSON.parse(res.text) as { error: { message: string; type: string } }).error;
    expect(error.message).toMatch(message);
    expect(error.type).toBe('invalid_request_error');
  });

  it('checks the key like the chat endpoint', async () => {
    const res = await post(url, { model: 'text-embedding-3-small', input: 'a' }, { authorization: 'Bearer sk-bad' });
    expect(res.status).toBe(401);
    expect(res.text).toMatch(/Incorrect API key provided/);
  });
});

describe('mock upstream: /v1/embeddings faults', () => {
  const body = { model: 'text-embedding-3-small', input: 'fault' };

  it('failFirst fails the first requests of the scope with failStatus and retry-after, then answers', async () => {
    const scenario = JSON.stringify({ failFirst: 2, failStatus: 429, retryAfterSeconds: 2, seed: 901 });
    const statuses: number[] = [];
    let retryAfter: unknown;
    for (let i = 0; i < 3; i++) {
      const res = await embed(body, { 'x-mock-scenario': scenario });
      statuses.push(res.status);
      retryAfter ??= res.headers['retry-after'];
    }
    expect(statuses).toEqual([429, 429, 200]);
    expect(retryAfter).toBe('2');
  });

  it('bad-json truncates the body; only-error-200 answers 200 with an error envelope', async () => {
    const truncated = await embed(body, { 'x-mock-scenario': JSON.stringify({ malformed: 'bad-json' }) });
    expect(truncated.status).toBe(200);
    expect(() => JSON.parse(truncated.text)).toThrow();
    const only = await embed(body, { 'x-mock-scenario': JSON.stringify({ malformed: 'only-error-200' }) });
    expect(only.status).toBe(200);
    expect(JSON.parse(only.text)).toHaveProperty('error.type', 'server_error');
  });

  it('resetAfterTokens drops the connection before any answer', async () => {
    await expect(embed(body, { 'x-mock-scenario': JSON.stringify({ resetAfterTokens: 0 }) })).rejects.toThrow();
  });
});
