// Prompt building: the system prompt plus as much recent history as fits the model's context budget.

import { ParleyError, type ChatMessage } from '../domain/index.js';

/**
 * What an image is counted as: about a high-detail tile set (providers charge roughly 85 to 1,600 tokens per image).
 */
const IMAGE_TOKENS = 1000;

/**
 * Rough token estimate (about 4 characters per token, per-message framing, a flat cost per image); cheap and
 * deterministic.
 */
export function estimateTokens(message: ChatMessage): number {
  let images = 0;
  for (const p of message.parts ?? []) if (p.type === 'image') images++;
  return Math.ceil(message.content.length / 4) + 4 + images * IMAGE_TOKENS;
}

/**
 * Keeps every system message and the newest other messages whose estimated size fits
 * `contextTokens - reservedForAnswer`. The newest message is always kept; if it alone does not fit
 * the request is refused with a message that says how to fix it.
 */
export function trimToBudget(messages: ChatMessage[], contextTokens: number, reservedForAnswer = 0): ChatMessage[] {
  const budget = contextTokens - reservedForAnswer;
  let used = 0;
  for (const m of messages) if (m.role === 'system') used += estimateTokens(m);
  const kept: ChatMessage[] = [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m.role === 'system') continue;
    const cost = estimateTokens(m);
    if (used + cost > budget) {
      if (kept.length === 0) {
        throw new ParleyError(
          'invalid_request',
          `The message is too long for this model: about ${used + cost} tokens against a budget of ` +
            `${budget}. Shorten it or choose a model with a larger context.`,
          { param: 'messages' },
        );
      }
      break;
    }
    used += cost;
    kept.push(m);
  }
  kept.reverse();
  if (kept.length === messages.filter((m) => m.role !== 'system').length) return messages;
  const systems = messages.filter((m) => m.role === 'system');
  return [...systems, ...kept];
}
