// JSON Web Token detector: three base64url parts whose header decodes to a JSON object with "alg".

import type { Detector, Match } from '../types.js';
import { flatten, isWordCode } from './util.js';

// Headers start with `{"` or `{ "` or `{\n`, i.e. base64url `ey` / `ew`.
const TOKEN_AT =
  /(?<![A-Za-z0-9_\-])e[wy][A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{2,}\.[A-Za-z0-9_\-]*(?![A-Za-z0-9_\-]|\.[A-Za-z0-9_\-])/y;

/** True when `part` is base64url of a JSON object that has an `alg` member. */
export function isJwtHeader(part: string): boolean {
  try {
    const header: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof header === 'object' && header !== null && !Array.isArray(header) && 'alg' in header;
  } catch {
    return false;
  }
}

/** `[A-Za-z0-9_-]`, a base64url character. */
const isBase64Url = (c: number): boolean => isWordCode(c) || c === 45;

/**
 * Finds signed (and `alg: none`) JWTs in compact serialisation. A token's first part is a whole run of base64url
 * characters that ends at a dot (TOKEN_AT's lookbehind and `\.`), so the pattern is tried only at the start of such
 * runs, found from the dots that two base64url characters follow (rare in prose: `e`, which every token starts with,
 * is not), and never inside the previous match: what a scan of the whole text finds.
 */
export const jwtDetector: Detector = {
  category: 'jwt',
  find(text: string): Match[] {
    const out: Match[] = [];
    flatten(text);
    let after = 0;
    for (let dot = text.indexOf('.', 10); dot !== -1; dot = text.indexOf('.', dot + 1)) {
      // The payload's first two characters follow the dot (in prose a space or a line break does).
      if (!isBase64Url(text.charCodeAt(dot + 1)) || !isBase64Url(text.charCodeAt(dot + 2))) continue;
      let start = dot;
      while (start > 0 && isBase64Url(text.charCodeAt(start - 1))) start--;
      if (start < after || dot - start < 10 || text.charCodeAt(start) !== 101) continue;
      TOKEN_AT.lastIndex = start;
      const m = TOKEN_AT.exec(text);
      if (m === null) continue;
      after = start + m[0].length;
      if (isJwtHeader(m[0].slice(0, dot - start))) out.push({ category: 'jwt', start, end: after, value: m[0] });
    }
    return out;
  },
};
