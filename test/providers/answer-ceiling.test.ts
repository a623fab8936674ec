// The answer ceiling: an answer far past its max_tokens (16 characters per token) or the provider's ceiling is cut by
// name.

import { describe, expect, it } from 'vitest';
import type { CallOptions, ChatEvent, ChatRequest } from '../../src/domain/index.js';
import { answerCharLimit, withAnswerCeiling } from '../../src/providers/answer-ceiling.js';
import type { ProviderModel } from '../../src/providers/provider-model.js';

/** A model that streams `pieces` of `size` characters, then finishes; grouped two events per read. */
function fake(pieces: number, size: number): ProviderModel {
  const events = (): ChatEvent[] => [
    { type: 'start' },
    ...Array.from({ length: pieces }, () => ({ type: 'text-delta' as const, text: 'x'.repeat(size) })),
    { type: 'finish', finishReason: 'stop' },
  ];
  return {
    provider: 'fake',
    close: async () => undefined,
    async *stream() {
      yield* events();
    },
    async *streamGroups() {
      const all = events();
      for (let i = 0; i < all.length; i += 2) yield all.slice(i, i + 2);
    },
  };
}

const req = (maxTokens?: number): ChatRequest => ({
  model: 'm',
  messages: [{ role: 'user', content: 'hi' }],
  params: maxTokens === undefined ? {} : { maxTokens },
});
const opts: CallOptions = { signal: new AbortController().signal };

async function drain<T>(it: AsyncIterable<T>): Promise<{ items: T[]; error?: { code: string; message: string } }> {
  const items: T[] = [];
  try {
    for await (const x of it) items.push(x);
  } catch (error) {
    return { items, error: error as { code: string; message: string } };
  }
  return { items };
}

describe('withAnswerCeiling', () => {
  it('allows 16 characters per token of max_tokens, capped by the ceiling', () => {
    expect(answerCharLimit(req(10), 1000)).toBe(160);
    expect(answerCharLimit(req(5000), 1000)).toBe(16_000);
    expect(answerCharLimit(req(), 1000)).toBe(16_000);
  });

  it('passes an answer within the limit untouched, in both forms', async () => {
    const model = withAnswerCeiling(fake(10, 16), 1000);
    expect((await drain(model.stream(req(10), opts))).error).toBeUndefined();
    expect((await drain(model.streamGroups!(req(10), opts))).error).toBeUndefined();
  });

  it('cuts a runaway answer with upstream_answer_too_long after the text that fitted', async () => {
    const model = withAnswerCeiling(fake(100, 16), 1000);
    const plain = await drain(model.stream(req(10), opts));
    expect(plain.error?.code).toBe('upstream_answer_too_long');
    expect(plain.error?.message).toContain('max_tokens (10)');
    expect(plain.items.filter((e) => e.type === 'text-delta')).toHaveLength(10);
    const grouped = await drain(model.streamGroups!(req(10), opts));
    expect(grouped.error?.code).toBe('upstream_answer_too_long');
    expect(grouped.items.flat().filter((e) => e.type === 'text-delta')).toHaveLength(10);
  });

  it('uses the ceiling when the request sets no max_tokens', async () => {
    const { error } = await drain(withAnswerCeiling(fake(100, 16), 50).stream(req(), opts));
    expect(error?.message).toContain('providers[].limits.maxAnswerTokens');
  });
});
