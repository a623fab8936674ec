// PEM private key detector: `-----BEGIN ... PRIVATE KEY-----` blocks, also when the END line is missing.

import type { Detector, Match } from '../types.js';
import { firstMatch } from './util.js';

const BEGIN = /-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY( BLOCK)?-----/g;
const BASE64_LINE = /^[A-Za-z0-9+\/=]{8,}$/;
const HEADER_LINE = /^[A-Za-z][A-Za-z0-9-]*: \S/;

/** End offset of a truncated block: the last base64 (or PEM header) line after `from`. */
function truncatedEnd(text: string, from: number): number {
  let end = from;
  let at = from;
  while (at < text.length) {
    const nl = text.indexOf('\n', at);
    const lineEnd = nl === -1 ? text.length : nl;
    const line = text.slice(at, lineEnd).trim();
    if (line !== '' && !BASE64_LINE.test(line) && !HEADER_LINE.test(line)) break;
    if (line !== '') end = at + text.slice(at, lineEnd).trimEnd().length;
    if (nl === -1) break;
    at = nl + 1;
  }
  return end;
}

/**
 * Finds PEM private keys (RSA, EC, DSA, OPENSSH, ENCRYPTED, PGP ...); a truncated block runs to its last base64 line.
 */
export const privateKeyDetector: Detector = {
  category: 'private_key',
  find(text: string): Match[] {
    if (!text.includes('PRIVATE KEY')) return [];
    const out: Match[] = [];
    for (let m = firstMatch(BEGIN, text); m !== null; m = BEGIN.exec(text)) {
      const start = m.index;
      const footer = `-----END ${m[1]}PRIVATE KEY${m[2] ?? ''}-----`;
      const endAt = text.indexOf(footer, BEGIN.lastIndex);
      const end = endAt !== -1 ? endAt + footer.length : truncatedEnd(text, BEGIN.lastIndex);
      out.push({ category: 'private_key', start, end, value: text.slice(start, end) });
      BEGIN.lastIndex = end;
    }
    return out;
  },
};
