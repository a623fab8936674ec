// Stripe secret and restricted key detector: `sk_live_`, `rk_live_`, `sk_test_`, `rk_test_`.

import { regexDetector } from './util.js';

const KEY = /(?<![A-Za-z0-9_])[sr]k_(?:live|test)_[A-Za-z0-9]{16,247}(?![A-Za-z0-9_])/g;

/** Finds Stripe secret and restricted API keys (publishable `pk_` keys are public and ignored). */
export const stripeKeyDetector = regexDetector('stripe_key', KEY, {
  // `_` is rare in prose, so a search for it is fast; `k` is not.
  prefilter: (text) => text.includes('_live_') || text.includes('_test_'),
  check: (m) => /\d/.test(m[0].slice(8)),
});
