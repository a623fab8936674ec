// Exact-match cache keys: scope, model, normalised messages and parameters, hashed.

import { createHash } from 'node:crypto';
import type { ChatMessage, ChatParams } from '../domain/index.js';

/**
 * The cache key of a request. Scoped by principal so one tenant never sees another's answer;
 * messages are normalised (trailing whitespace, CRLF) so cosmetic differences still hit.
 */
export function cacheKey(scope: string, model: string, messages: ChatMessage[], params: ChatParams): string {
  const hash = createHash('sha256');
  hash.update(scope).update('\0').update(model).update('\0');
  for (const m of messages) hash.update(m.role).update('\0').update(m.content.replace(/\r\n/g, '\n').trimEnd()).update('\0');
  // Sorted keys so parameter order never changes the key.
  const sorted = Object.keys(params)
    .sort()
    .map((k) => [k, params[k as keyof ChatParams]]);
  hash.update(JSON.stringify(sorted));
  return hash.digest('base64url');
}
