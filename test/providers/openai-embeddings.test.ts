// The embeddings adapter's reading of OpenAI's answer: input order, one vector per input, the asked encoding.

import { describe, expect, it } from 'vitest';
import { buildEmbeddingsBody, parseEmbeddingsPayload } from '../../src/providers/openai/openai-embeddings.js';
import type { EmbeddingRequest } from '../../src/domain/index.js';

const request = (encodingFormat: 'float' | 'base64' = 'float'): EmbeddingRequest => ({
  model: 'm',
  input: { kind: 'text', texts: ['a', 'b'] },
  encodingFormat,
});
const item = (index: number, embedding: unknown) => ({ object: 'embedding', index, embedding });

describe('OpenAI embeddings adapter', () => {
  it("builds OpenAI's body: texts or token arrays, encoding_format, dimensions only when set", () => {
    expect(JSON.parse(buildEmbeddingsBody(request()))).toEqual({
      model: 'm',
      input: ['a', 'b'],
      encoding_format: 'float',
    });
    expect(
      JSON.parse(
        buildEmbeddingsBody({
          model: 'm',
          input: { kind: 'tokens', tokens: [[1, 2]] },
          encodingFormat: 'base64',
          dimensions: 8,
        }),
      ),
    ).toEqual({
      model: 'm',
      input: [[1, 2]],
      encoding_format: 'base64',
      dimensions: 8,
    });
  });

  it('puts vectors in input order by their index, with usage and the upstream model', () => {
    const result = parseEmbeddingsPayload(
      {
        object: 'list',
        data: [item(1, [2]), item(0, [1])],
        model: 'm-v2',
        usage: { prompt_tokens: 7, total_tokens: 7 },
      },
      request(),
    );
    expect(result).toEqual({ vectors: [[1], [2]], inputTokens: 7, model: 'm-v2' });
  });

  it.each([
    ['fewer vectors than inputs', { data: [item(0, [1])] }, /1 vectors for 2 inputs/],
    ['a repeated index', { data: [item(0, [1]), item(0, [2])] }, /index 0 is out of range or repeated/],
    ['an index out of range', { data: [item(0, [1]), item(5, [2])] }, /index 5/],
    [
      'a string where floats were asked',
      { data: [item(0, 'AAAA'), item(1, [2])] },
      /vector 0 is not an array of numbers/,
    ],
    ['no data', { object: 'list' }, /no data array/],
  ])('refuses %s as upstream_protocol', (_name, payload, message) => {
    expect(() => parseEmbeddingsPayload(payload, request())).toThrow(message);
    try {
      parseEmbeddingsPayload(payload, request());
    } catch (error) {
      expect((error as { code: string }).code).toBe('upstream_protocol');
    }
  });

  it('an error envelope in a 200 answer is a (retryable) provider stream error', () => {
    expect(() => parseEmbeddingsPayload({ error: { message: 'boom' } }, request('base64'))).toThrow(
      /Provider stream error: boom/,
    );
  });
});
