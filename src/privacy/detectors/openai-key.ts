// OpenAI API key detector: legacy `sk-...` and scoped `sk-proj-`, `sk-svcacct-`, `sk-admin-` keys.

import { regexDetector } from './util.js';

const KEY = /(?<![\w\-])sk-(?!ant-)(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_\-]{20,}(?![\w\-])/g;

/** Finds OpenAI keys; the random part must mix digits and letters (so `sk-learn-...` prose is ignored). */
export const openaiKeyDetector = regexDetector('openai_key', KEY, {
  prefilter: (text) => text.includes('sk-'),
  check: (m) => /\d/.test(m[0].slice(3)) && /[A-Z]/.test(m[0]) && /[a-z]/.test(m[0].slice(3)),
});
