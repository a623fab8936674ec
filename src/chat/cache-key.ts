// Exact-match cache keys: scope, model, normalised messages (text, images by hash, tool turns) and parameters, hashed.

import { createHash } from 'node:crypto';
import type { ChatMessage, ChatParams } from '../domain/index.js';

/** What a message adds to the key beyond role and text: images (by hash), tool calls and the answered call id. */
function shapeOf(m: ChatMessage): string {
  let out = '';
  if (m.parts !== undefined) {
    for (const p of m.parts) {
      out +=
        p.type === 'image'
          ? `\u0001img:${createHash('sha256').update(p.url).digest('base64url')}:${p.detail ?? ''}`
          : `\u0001txt:${p.text.length}`;
    }
  }
  if (m.toolCalls !== undefined) out += `\u0001calls:${JSON.stringify(m.toolCalls)}`;
  if (m.toolCallId !== undefined) out += `\u0001for:${m.toolCallId}`;
  if (m.isError === true) out += '\u0001error';
  if (m.reasoning !== undefined) out += `\u0001reasoning:${JSON.stringify(m.reasoning)}`;
  return out;
}

/**
 * The cache key of a request. Scoped by principal so one tenant never sees another's answer;
 * messages are normalised (trailing whitespace, CRLF) so cosmetic differences still hit. Images
 * (by hash), tool calls and results, tools, tool choice and response format are part of the key.
 */
export function cacheKey(scope: string, model: string, messages: ChatMessage[], params: ChatParams): string {
  const hash = createHash('sha256');
  hash.update(scope).update('\0').update(model).update('\0');
  for (const m of messages) {
    hash.update(m.role).update('\0').update(m.content.replace(/\r\n/g, '\n').trimEnd()).update('\0');
    if (
      m.parts !== undefined ||
      m.toolCalls !== undefined ||
      m.toolCallId !== undefined ||
      m.isError !== undefined ||
      m.reasoning !== undefined
    )
      hash.update(shapeOf(m)).update('\0');
  }
  // Sorted keys so parameter order never changes the key (tools, tool choice and response format included).
  const sorted = Object.keys(params)
    .sort()
    .map((k) => [k, params[k as keyof ChatParams]]);
  hash.update(JSON.stringify(sorted));
  return hash.digest('base64url');
}
