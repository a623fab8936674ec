// A blocked answer stops the upstream call at once instead of leaving it running until its timeouts.

import { describe, expect, it } from 'vitest';
import { ChatService } from '../../src/chat/chat-service.js';
import { ParleyError, type ChatEvent, type Principal } from '../../src/domain/index.js';
import type { ChatModel } from '../../src/domain/index.js';
import { MemoryCacheStore } from '../../src/store/memory/cache-store.js';

const principal: Principal = { id: 'p', role: 'user', via: 'api-key', scope: 'p' };

describe('an answer blocked by the output policy', () => {
  it('ends the upstream stream', async () => {
    let upstreamClosed = false;
    const route: ChatModel = {
      provider: 'fake',
      async *stream(_request, options): AsyncGenerator<ChatEvent> {
        try {
          yield { type: 'text-delta', text: 'fine ' };
          yield { type: 'text-delta', text: 'forbidden' };
          // A slow provider keeps streaming; only an abort or return() ends this.
          await new Promise((resolve) => options.signal.addEventListener('abort', resolve, { once: true }));
          yield { type: 'finish', finishReason: 'stop' };
        } finally {
          upstreamClosed = true;
        }
      },
    };
    const chat = new ChatService({
      models: new Map([['m', { config: { name: 'm', description: '', contextTokens: 8192, targets: [] }, route }]]),
      cache: new MemoryCacheStore({ maxEntries: 1 }),
      cacheConfig: { mode: 'off', ttlMs: 0, maxEntries: 0 },
      answerTransforms: () => ({
        push: (text) => {
          if (text.includes('forbidden')) throw new ParleyError('content_blocked', 'blocked by policy');
          return text;
        },
        flush: () => '',
      }),
    });
    const run = await chat.start({
      api: 'openai',
      requestId: 'r',
      principal,
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      params: {},
      stream: true,
      cacheMode: 'default',
      signal: new AbortController().signal,
    });
    const seen: string[] = [];
    await expect(async () => {
      for await (const event of run) if (event.type === 'text-delta') seen.push(event.text);
    }).rejects.toMatchObject({ code: 'content_blocked' });
    expect(seen).toEqual(['fine ']);
    expect(upstreamClosed).toBe(true);
  });
});
