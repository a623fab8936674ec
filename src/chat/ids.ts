// Unguessable identifiers for sessions and messages (128 random bits, URL-safe).

import { randomBytes } from 'node:crypto';

/** A new random id with a readable prefix, e.g. `ses_3q2+...`. */
export function newId(prefix: 'ses' | 'msg'): string {
  return `${prefix}_${randomBytes(16).toString('base64url')}`;
}
