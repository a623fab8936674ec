// GitHub token detector: classic `ghp_/gho_/ghu_/ghs_/ghr_` tokens and fine-grained `github_pat_` tokens.

import { regexDetector } from './util.js';

const TOKEN = /(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{50,255})(?![A-Za-z0-9_])/g;

/** Finds GitHub personal, OAuth, user-to-server, server-to-server and refresh tokens. */
export const githubTokenDetector = regexDetector('github_token', TOKEN, {
  // Both shapes hold `_`, which is rare in prose (`gh` is not: `through`, `high`).
  prefilter: (text) => text.includes('_') && (text.includes('gh') || text.includes('github_pat_')),
});
