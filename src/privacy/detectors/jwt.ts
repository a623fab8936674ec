// JSON Web Token detector: three base64url parts whose header decodes to a JSON object with "alg".

import { regexDetector } from './util.js';

// Headers start with `{"` or `{ "` or `{\n`, i.e. base64url `ey` / `ew`.
const TOKEN =
  /(?<![A-Za-z0-9_\-])e[wy][A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{2,}\.[A-Za-z0-9_\-]*(?![A-Za-z0-9_\-]|\.[A-Za-z0-9_\-])/g;

/** True when `part` is base64url of a JSON object that has an `alg` member. */
export function isJwtHeader(part: string): boolean {
  try {
    const header: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof header === 'object' && header !== null && !Array.isArray(header) && 'alg' in header;
  } catch {
    return false;
  }
}

/** Finds signed (and `alg: none`) JWTs in compact serialisation. */
export const jwtDetector = regexDetector('jwt', TOKEN, {
  prefilter: (text) => text.includes('ey') || text.includes('ew'),
  check: (m) => isJwtHeader(m[0].slice(0, m[0].indexOf('.'))),
});
