// Shared helpers of the integration tests: a fresh stack per test, upstream paths and the error envelope check.

import { afterEach, expect } from 'vitest';
import { KEYS, modelRequests, standardYaml, startStack, type Stack, type StackOptions } from './harness.js';

/** Upstream paths of the two wire formats. */
export const OPENAI = '/v1/chat/completions';
export const ANTHROPIC = '/v1/messages';

/** OpenAI's error envelope as Parley sends it. */
export interface Envelope {
  error: { message: string; type: string; code: string; param: string | null };
}

/**
 * Registers an afterEach that closes every stack started through the returned function, which starts
 * the standard configuration (overridable per test) so each test gets fresh breakers, pools and caches.
 */
export function useStackPerTest(): (options?: Partial<StackOptions>) => Promise<Stack> {
  let stacks: Stack[] = [];
  afterEach(async () => {
    await Promise.all(stacks.map((s) => s.close()));
    stacks = [];
  });
  return async (options = {}) => {
    const stack = await startStack({ yaml: standardYaml(), env: { ...KEYS }, ...options });
    stacks.push(stack);
    return stack;
  };
}

/** The chat completions URL of a stack. */
export const completionsUrl = (s: Stack): string => `${s.url}/v1/chat/completions`;

/** Paths of the model requests the stack's mock received, oldest first. */
export const upstreamPaths = (s: Stack): string[] => modelRequests(s.mock).map((r) => r.path);

/** Asserts an OpenAI error envelope with the given status and returns its `error`. */
export async function expectEnvelope(res: Response, status: number): Promise<Envelope['error']> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/application\/json/);
  const body = (await res.json()) as Envelope;
  expect(Object.keys(body)).toEqual(['error']);
  expect(typeof body.error.message).toBe('string');
  expect(body.error.message.length).toBeGreaterThan(10);
  expect(typeof body.error.type).toBe('string');
  expect(body.error).toHaveProperty('code');
  expect(body.error).toHaveProperty('param');
  return body.error;
}
