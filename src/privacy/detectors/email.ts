// Email address detector: expands around each "@" (linear time, no regex backtracking on long words).

import type { Detector, Match } from '../types.js';

const LOCAL_CHAR = /[A-Za-z0-9._%+\-']/;
const DOMAIN_CHAR = /[A-Za-z0-9.\-]/;
const DOMAIN_SHAPE = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}$/;

/** Finds RFC 5321-style addresses `local@domain.tld` (no quoted local parts, no IP literals). */
export const emailDetector: Detector = {
  category: 'email',
  find(text: string): Match[] {
    const out: Match[] = [];
    let at = text.indexOf('@');
    let floor = 0; // never start a match inside the previous one
    while (at !== -1) {
      let s = at;
      while (s > floor && LOCAL_CHAR.test(text[s - 1])) s--;
      while (s < at && (text[s] === '.' || text[s] === "'")) s++;
      let e = at + 1;
      while (e < text.length && DOMAIN_CHAR.test(text[e])) e++;
      while (e > at + 1 && (text[e - 1] === '.' || text[e - 1] === '-')) e--;
      const local = text.slice(s, at);
      const domain = text.slice(at + 1, e);
      if (
        local.length > 0 &&
        local.length <= 64 &&
        !local.includes('..') &&
        !local.endsWith('.') &&
        DOMAIN_SHAPE.test(domain)
      ) {
        out.push({ category: 'email', start: s, end: e, value: text.slice(s, e) });
        floor = e;
      }
      at = text.indexOf('@', Math.max(at + 1, floor));
    }
    return out;
  },
};
