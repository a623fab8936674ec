// Protected-item counts describe only the new message, not the history sent again with it.

import { describe, expect, it } from 'vitest';
import { ChatService } from '../../src/chat/chat-service.js';
import type { ChatModel } from '../../src/domain/index.js';
import type { ChatEvent, ChatRequest, Principal } from '../../src/domain/index.js';
import { createPrivacyFilter } from '../../src/privacy/index.js';
import { MemoryCacheStore } from '../../src/store/memory/cache-store.js';

const principal: Principal = { id: 'p', role: 'user', via: 'api-key', scope: 'p' };

function service(seen: ChatRequest[]): ChatService {
  const route: ChatModel = {
    provider: 'fake',
    async *stream(request): AsyncGenerator<ChatEvent> {
      seen.push(request);
      yield { type: 'text-delta', text: 'ok' };
      yield { type: 'finish', finishReason: 'stop' };
    },
  };
  return new ChatService({
    models: new Map([['m', { config: { name: 'm', description: '', contextTokens: 8192, targets: [] }, route }]]),
    cache: new MemoryCacheStore({ maxEntries: 10 }),
    cacheConfig: { mode: 'off', ttlMs: 0, maxEntries: 0 },
    promptGuard: createPrivacyFilter(),
  });
}

async function drain(run: AsyncIterable<ChatEvent>): Promise<void> {
  for await (const _ of run);
}

describe('protected counts', () => {
  it('count only the messages from newMessagesFrom on, while protecting all of them', async () => {
    const seen: ChatRequest[] = [];
    const chat = service(seen);
    const run = await chat.start({
      api: 'session',
      requestId: 'r',
      principal,
      model: 'm',
      messages: [
        { role: 'user', content: 'mail me at ann@example.com or bob@example.org' },
        { role: 'assistant', content: 'noted' },
        { role: 'user', content: 'thanks, nothing personal here' },
      ],
      newMessagesFrom: 2,
      params: {},
      stream: true,
      cacheMode: 'default',
      signal: new AbortController().signal,
    });
    await drain(run);
    expect(run.protectedCounts).toEqual({});
    expect(JSON.stringify(seen[0].messages)).not.toContain('ann@example.com');
    expect(Object.keys(run.mapping)).toHaveLength(2);
  });

  it('count everything when the whole request is new (OpenAI-compatible API)', async () => {
    const chat = service([]);
    const run = await chat.start({
      api: 'openai',
      requestId: 'r',
      principal,
      model: 'm',
      messages: [{ role: 'user', content: 'ann@example.com' }],
      params: {},
      stream: false,
      cacheMode: 'default',
      signal: new AbortController().signal,
    });
    await drain(run);
    expect(run.protectedCounts).toEqual({ email: 1 });
  });
});
