// MAC address recognizer: six hex pairs with one consistent separator, or the Cisco dotted form.

import { regexDetector } from './util.js';

const CANDIDATE = /(?<![\w:.\-])(?:[0-9A-Fa-f]{2}([:\-])(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4})(?![\w:\-]|\.\w)/g;

/** Finds MAC addresses: `00:1A:2B:3C:4D:5E`, `00-1a-2b-3c-4d-5e`, `001a.2b3c.4d5e` (a dotted form needs a letter or the separators' shape). */
export const macDetector = regexDetector('mac', CANDIDATE, {
  prefilter: (text) => text.includes(':') || text.includes('-') || text.includes('.'),
  check: (m) => m[1] !== undefined || /[A-Fa-f]/.test(m[0]),
});
