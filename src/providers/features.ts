// What each adapter type can translate, so the chat layer can refuse or skip a target before calling it.

import type { ChatRequest, ParleyError } from '../domain/index.js';
import { anthropicRequestProblem } from './anthropic/anthropic-request.js';

/** A feature a request may need from its target. */
export type Feature =
  'tools' | 'vision' | 'json_schema' | 'reasoning' | 'logprobs' | 'logit_bias' | 'prefill' | 'tool_result_images';

/** Features each provider type's adapter carries faithfully (the demo provider answers text only). */
export const ADAPTER_FEATURES: Readonly<Record<string, readonly Feature[]>> = {
  openai: ['tools', 'vision', 'json_schema', 'reasoning', 'logprobs', 'logit_bias'],
  // prefill: continuing a given last assistant turn (Chat Completions answers anew instead). tool_result_images: images
  // in a tool's result (a Chat Completions tool message holds text only).
  anthropic: ['tools', 'vision', 'json_schema', 'reasoning', 'prefill', 'tool_result_images'],
  demo: [],
};

/**
 * Per adapter type: the 400 a request would get from its translation (e.g. Anthropic thinking limits), checked before
 * routing.
 */
export const TRANSLATION_PROBLEM: Readonly<Record<string, (request: ChatRequest) => ParleyError | undefined>> = {
  anthropic: anthropicRequestProblem,
};
