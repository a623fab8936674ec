// Compatibility: the Vercel AI SDK (v6) OpenAI-compatible provider against Parley — generateText, streamText, errors.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { APICallError, generateText, streamText } from 'ai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { mockReplyText } from '../../src/mock-upstream/index.js';
import { KEYS, modelRequests, standardYaml, startStack, type Stack } from '../integration/harness.js';
import { thrown } from '../support/thrown.js';

let stack: Stack;
let parley: ReturnType<typeof createOpenAICompatible>;

beforeAll(async () => {
  stack = await startStack({
    yaml: standardYaml({ retries: 0, firstByte: '400ms' }),
    env: { ...KEYS },
    principals: ['sdk'],
  });
  parley = createOpenAICompatible({
    name: 'parley',
    baseURL: `${stack.url}/v1`,
    apiKey: stack.keys.sdk,
    includeUsage: true,
  });
});
afterAll(async () => stack?.close());
beforeEach(() => {
  stack.mock.resetScenario();
  stack.mock.clearRequests();
});

/** Consumes a streamText result's full stream, returning its text and error parts. */
async function drain(result: ReturnType<typeof streamText>): Promise<{ text: string; errors: unknown[] }> {
  let text = '';
  const errors: unknown[] = [];
  for await (const part of result.fullStream) {
    if (part.type === 'text-delta') text += part.text;
    if (part.type === 'error') errors.push(part.error);
  }
  return { text, errors };
}

describe('AI SDK: generateText and streamText', () => {
  it('generateText returns the text, finish reason and usage', async () => {
    const result = await generateText({ model: parley('chat'), prompt: 'ai sdk hello', maxRetries: 0 });
    expect(result.text).toBe(mockReplyText('ai sdk hello', 16));
    expect(result.finishReason).toBe('stop');
    expect(result.usage.outputTokens).toBe(16);
    expect(result.usage.inputTokens).toBeGreaterThan(0);
  });

  it('generateText with a system prompt sends it through to the upstream', async () => {
    const result = await generateText({
      model: parley('chat'),
      system: 'Be brief.',
      prompt: 'with system',
      maxRetries: 0,
    });
    expect(result.text).toBe(mockReplyText('with system', 16));
    const upstream = modelRequests(stack.mock).at(-1)!.body as { messages: { role: string; content: unknown }[] };
    expect(upstream.messages[0]).toEqual({ role: 'system', content: 'Be brief.' });
  });

  it('streamText streams the text, then reports usage and the finish reason', async () => {
    const result = streamText({ model: parley('chat'), prompt: 'ai sdk stream', maxRetries: 0 });
    const { text, errors } = await drain(result);
    expect(errors).toEqual([]);
    expect(text).toBe(mockReplyText('ai sdk stream', 16));
    expect(await result.finishReason).toBe('stop');
    const usage = await result.usage;
    expect(usage.outputTokens).toBe(16);
    expect(usage.inputTokens).toBeGreaterThan(0);
    const sent = modelRequests(stack.mock).at(-1)!.body as { stream: boolean };
    expect(sent.stream).toBe(true);
  });

  it('streamText works against an Anthropic-backed alias', async () => {
    const result = streamText({ model: parley('anth'), prompt: 'through anthropic', maxRetries: 0 });
    expect((await drain(result)).text).toBe(mockReplyText('through anthropic', 16));
  });
});

describe('AI SDK: errors surface as APICallError with the status', () => {
  it('404 for an unknown model (generateText)', async () => {
    const error = await thrown(() => generateText({ model: parley('nope'), prompt: 'x', maxRetries: 0 }));
    expect(APICallError.isInstance(error)).toBe(true);
    const e = error as APICallError;
    expect(e.statusCode).toBe(404);
    expect(e.isRetryable).toBe(false);
    expect(e.message).toContain('nope');
  });

  it('401 for a credential Parley does not know', async () => {
    const stranger = createOpenAICompatible({ name: 'parley', baseURL: `${stack.url}/v1`, apiKey: 'not-a-parley-key' });
    const error = await thrown(() => generateText({ model: stranger('chat'), prompt: 'x', maxRetries: 0 }));
    expect(APICallError.isInstance(error)).toBe(true);
    expect((error as APICallError).statusCode).toBe(401);
  });

  it('400 for an invalid request (generateText)', async () => {
    const error = await thrown(() =>
      generateText({ model: parley('chat'), prompt: 'x', temperature: 7, maxRetries: 0 }),
    );
    expect(APICallError.isInstance(error)).toBe(true);
    expect((error as APICallError).statusCode).toBe(400);
    expect((error as APICallError).message).toMatch(/temperature/);
  });

  const exhausted: [string, () => void, number][] = [
    ['502', () => stack.mock.setScenario({ errorRates: { 500: 1 } }), 502],
    ['503', () => stack.mock.setScenario({ errorRates: { 503: 1 } }), 503],
    ['504', () => stack.mock.setScenario({ stallBeforeHeaders: true }), 504],
  ];
  for (const [name, arrange, status] of exhausted) {
    it(`${name} when every target fails, retryable, from generateText and streamText`, async () => {
      arrange();
      const error = await thrown(() => generateText({ model: parley('chat'), prompt: 'x', maxRetries: 0 }));
      expect(APICallError.isInstance(error)).toBe(true);
      expect((error as APICallError).statusCode).toBe(status);
      expect((error as APICallError).isRetryable).toBe(true);

      const { errors, text } = await drain(
        streamText({ model: parley('chat'), prompt: 'x', maxRetries: 0, onError: () => undefined }),
      );
      expect(text).toBe('');
      expect(errors).toHaveLength(1);
      expect(APICallError.isInstance(errors[0])).toBe(true);
      expect((errors[0] as APICallError).statusCode).toBe(status);
    });
  }

  it('an error part after content when the upstream fails mid-stream', async () => {
    stack.mock.setScenario({ resetAfterTokens: 5, tokenDelayMs: 5 });
    const result = streamText({ model: parley('chat'), prompt: 'cut', maxRetries: 0, onError: () => undefined });
    const { text, errors } = await drain(result);
    expect(text.length).toBeGreaterThan(0);
    expect(mockReplyText('cut', 16).startsWith(text)).toBe(true);
    expect(errors).toHaveLength(1);
    expect(JSON.stringify(errors[0])).toMatch(/message/);
    expect(await result.finishReason).toBe('error');
  });
});
