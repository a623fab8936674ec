// The Vercel AI SDK with tools over several steps and generateObject, against an OpenAI-format and an Anthropic-format
// target.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateObject, generateText, stepCountIs, streamText, tool } from 'ai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { z } from 'zod';
import { KEYS, modelRequests, standardYaml, startStack, type Stack } from '../integration/harness.js';

let stack: Stack;
let parley: ReturnType<typeof createOpenAICompatible>;

beforeAll(async () => {
  stack = await startStack({
    yaml: standardYaml({ retries: 0, firstByte: '2s' }),
    env: { ...KEYS },
    principals: ['sdk'],
  });
  parley = createOpenAICompatible({
    name: 'parley',
    baseURL: `${stack.url}/v1`,
    apiKey: stack.keys.sdk,
    includeUsage: true,
    supportsStructuredOutputs: true,
  });
});
afterAll(async () => stack?.close());
beforeEach(() => {
  stack.mock.resetScenario();
  stack.mock.clearRequests();
});

/** A weather tool that records what it was called with. */
function weatherTool(calls: unknown[]) {
  return tool({
    description: 'The weather in a city',
    inputSchema: z.object({ city: z.string() }),
    execute: async (input) => {
      calls.push(input);
      return `sunny in ${input.city}`;
    },
  });
}

describe.each([['solo'], ['anth']])('AI SDK against %s', (model) => {
  it('generateText runs a tool over several steps and ends with text', async () => {
    const calls: unknown[] = [];
    const result = await generateText({
      model: parley(model),
      prompt: 'Oslo',
      tools: { weather: weatherTool(calls) },
      stopWhen: stepCountIs(4),
      maxRetries: 0,
    });
    expect(calls).toEqual([{ city: 'Oslo' }]);
    expect(result.steps).toHaveLength(2);
    expect(result.steps[0].finishReason).toBe('tool-calls');
    expect(result.finishReason).toBe('stop');
    expect(result.text).toContain('tool results:');
    expect(result.text).toContain('sunny in Oslo');
    // The second upstream request carried the call and its result with the same id.
    const bodies = modelRequests(stack.mock).map((r) => JSON.stringify(r.body));
    const id = result.steps[0].toolCalls[0].toolCallId;
    expect(bodies[1]).toContain(id);
  });

  it('streamText streams tool input deltas and runs the tool loop', async () => {
    const calls: unknown[] = [];
    const result = streamText({
      model: parley(model),
      prompt: 'Bergen',
      tools: { weather: weatherTool(calls) },
      stopWhen: stepCountIs(4),
      maxRetries: 0,
    });
    const types = new Set<string>();
    let text = '';
    for await (const part of result.fullStream) {
      types.add(part.type);
      if (part.type === 'text-delta') text += part.text;
      if (part.type === 'error') throw part.error;
    }
    expect(calls).toEqual([{ city: 'Bergen' }]);
    expect([...types]).toEqual(
      expect.arrayContaining(['tool-input-start', 'tool-input-delta', 'tool-call', 'tool-result', 'text-delta']),
    );
    expect(text).toContain('sunny in Bergen');
    expect(await result.finishReason).toBe('stop');
  });

  it('generateObject returns an object matching the schema', async () => {
    const { object } = await generateObject({
      model: parley(model),
      schema: z.object({ name: z.string(), tags: z.array(z.string()), rating: z.number() }),
      prompt: 'describe',
      maxRetries: 0,
    });
    expect(object).toEqual({ name: 'describe', tags: ['describe'], rating: 42 });
  });
});
