// Model capabilities: what a request needs, which targets can give it, and the 400 when none can.

import { ParleyError } from '../domain/index.js';
import type { ChatMessage, ChatParams } from '../domain/index.js';
import { ADAPTER_FEATURES, type Feature } from '../providers/features.js';

/** A target as the capability check sees it. */
export interface TargetFacts {
  provider: string;
  providerType: string;
  model: string;
  /** Configured capabilities (the model's, narrowed by the target's); undefined: assume any. */
  capabilities?: readonly string[];
}

/** The request field that asks for each feature, named in refusals. */
const FIELD: Record<Feature, string> = {
  tools: 'tools',
  vision: 'messages',
  json_schema: 'response_format',
  reasoning: 'reasoning_effort',
  logprobs: 'logprobs',
  logit_bias: 'logit_bias',
  prefill: 'messages',
  tool_result_images: 'messages',
};

const WHAT: Record<Feature, string> = {
  tools: 'tool calling (tools, tool messages)',
  vision: 'images (image_url parts)',
  json_schema: 'structured output (response_format json_object / json_schema)',
  reasoning: 'reasoning (reasoning_effort)',
  logprobs: 'token log probabilities (logprobs)',
  logit_bias: 'logit_bias',
  prefill: 'an assistant prefill (a last assistant turn the answer continues)',
  tool_result_images: 'images in tool results (image blocks inside a tool_result)',
};

/** Features a request needs, in a fixed order. */
export function requiredFeatures(messages: readonly ChatMessage[], params: ChatParams): Feature[] {
  const need: Feature[] = [];
  const toolTurns = messages.some((m) => m.role === 'tool' || (m.toolCalls?.length ?? 0) > 0);
  if ((params.tools !== undefined && params.toolChoice !== 'none') || toolTurns) need.push('tools');
  const hasImage = (m: ChatMessage): boolean => m.parts?.some((p) => p.type === 'image') === true;
  if (messages.some(hasImage)) need.push('vision');
  if (messages.some((m) => m.role === 'tool' && hasImage(m))) need.push('tool_result_images');
  if (params.responseFormat !== undefined && params.responseFormat.type !== 'text') need.push('json_schema');
  if (
    (params.reasoningEffort !== undefined && params.reasoningEffort !== 'none') ||
    params.thinkingBudget !== undefined
  )
    need.push('reasoning');
  if (params.logprobs !== undefined) need.push('logprobs');
  if (params.logitBias !== undefined) need.push('logit_bias');
  if (params.continueLast === true) need.push('prefill');
  return need;
}

/** The first feature the target lacks and why ('configured' or 'adapter'), or undefined when it can do all. */
export function missingFeature(
  target: TargetFacts,
  need: readonly Feature[],
): { feature: Feature; by: 'configured' | 'adapter' } | undefined {
  const adapter = ADAPTER_FEATURES[target.providerType] ?? [];
  for (const feature of need) {
    if (!adapter.includes(feature)) return { feature, by: 'adapter' };
    // Configured capabilities list what a model can do; these depend only on the wire format (vision covers the rest).
    const configurable =
      feature !== 'logprobs' && feature !== 'logit_bias' && feature !== 'prefill' && feature !== 'tool_result_images';
    if (configurable && target.capabilities !== undefined && !target.capabilities.includes(feature))
      return { feature, by: 'configured' };
  }
  return undefined;
}

/** The 400 when no target of `model` can serve the request. */
export function capabilityError(
  model: string,
  feature: Feature,
  by: 'configured' | 'adapter',
  targets: readonly TargetFacts[],
): ParleyError {
  const types = [...new Set(targets.map((t) => t.providerType))].join(', ');
  const message =
    by === 'configured'
      ? `The model "${model}" does not support ${WHAT[feature]}: "${feature}" is not in its ` +
        `configured capabilities. Remove ${FIELD[feature]} or choose a model that lists ${feature}.`
      : `${FIELD[feature]} cannot be honoured by the model "${model}": its targets (${types}) ` +
        `cannot do ${WHAT[feature]}. Remove ${FIELD[feature]} or choose another model.`;
  return new ParleyError('invalid_request', message, { param: FIELD[feature] });
}
