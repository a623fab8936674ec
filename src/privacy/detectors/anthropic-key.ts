// Anthropic API key detector: `sk-ant-api03-...`, `sk-ant-admin01-...` and other `sk-ant-` keys.

import { regexDetector } from './util.js';

const KEY = /(?<![\w\-])sk-ant-[A-Za-z0-9_\-]{20,}(?![\w\-])/g;

/** Finds Anthropic keys (the random part must contain a digit). */
export const anthropicKeyDetector = regexDetector('anthropic_key', KEY, {
  // A search starting with `-` (rarer than `s`) is several times faster.
  prefilter: (text) => text.includes('-ant-'),
  check: (m) => /\d/.test(m[0].slice(7)),
});
