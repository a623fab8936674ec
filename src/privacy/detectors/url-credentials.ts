// URL credentials recognizer: `user:password@` in a URL and the values of token-like query parameters.

import type { Detector, Match } from '../types.js';
import { firstMatch } from './util.js';

const USERINFO_AT = /\b[a-z][a-z0-9+.\-]{1,15}:\/\/([^\s/?#@:]{0,128}:[^\s/?#@]{1,256})@/iy;
const QUERY =
  /[?&#](?:access_token|id_token|refresh_token|token|api_key|apikey|api-key|key|secret|client_secret|password|passwd|pwd|auth|sig|signature|x-amz-signature|x-amz-credential|x-goog-signature|sas|code|session|sessionid|jwt)=([^\s&#"'<>]{6,})/gi;

/**
 * Finds the secret part of URLs: `user:pass` in `https://user:pass@host/` and values of `?token=`, `&api_key=`,
 * `&sig=` and similar.
 */
export const urlCredentialsDetector: Detector = {
  category: 'url_credentials',
  find(text: string): Match[] {
    const out: Match[] = [];
    if (text.includes('@')) {
      // A match's scheme is 2 to 16 characters right before the first `://` after its start (no scheme character is
      // `:`): the pattern is tried (sticky) only from 16 characters before each `://`, leftmost first, and never
      // inside the previous match, which is what a scan of the whole text finds.
      let after = 0;
      for (let q = text.indexOf('://'); q !== -1; q = text.indexOf('://', Math.max(q + 1, after))) {
        for (let p = Math.max(after, q - 16); p <= q - 2; p++) {
          USERINFO_AT.lastIndex = p;
          const m = USERINFO_AT.exec(text);
          if (m === null) continue;
          const start = p + m[0].indexOf('//') + 2;
          out.push({ category: 'url_credentials', start, end: start + m[1].length, value: m[1] });
          after = p + m[0].length;
          break;
        }
      }
    }
    if (text.includes('=')) {
      for (let m = firstMatch(QUERY, text); m !== null; m = QUERY.exec(text)) {
        const start = m.index + m[0].length - m[1].length;
        out.push({ category: 'url_credentials', start, end: start + m[1].length, value: m[1] });
      }
    }
    return out;
  },
};
