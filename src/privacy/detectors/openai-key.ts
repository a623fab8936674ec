// OpenAI API key detector: legacy `sk-...` and scoped `sk-proj-`, `sk-svcacct-`, `sk-admin-` keys.

import { regexDetector } from './util.js';

const KEY = /(?<![\w\-])sk-(?!ant-)(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_\-]{20,}(?![\w\-])/g;

/** `text.includes('sk-')`, searching for `k-` (rarer in prose than `s`, so several times faster) and the `s` before. */
function holdsSkDash(text: string): boolean {
  for (let q = text.indexOf('k-', 1); q !== -1; q = text.indexOf('k-', q + 1))
    if (text.charCodeAt(q - 1) === 115) return true;
  return false;
}

/** Finds OpenAI keys; the random part must mix digits and letters (so `sk-learn-...` prose is ignored). */
export const openaiKeyDetector = regexDetector('openai_key', KEY, {
  prefilter: holdsSkDash,
  check: (m) => /\d/.test(m[0].slice(3)) && /[A-Z]/.test(m[0]) && /[a-z]/.test(m[0].slice(3)),
});
