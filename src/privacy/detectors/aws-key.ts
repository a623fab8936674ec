// AWS credential detector: access key ids (AKIA/ASIA/...) and secret access keys when labelled.

import type { Detector, Match } from '../types.js';
import { firstMatch } from './util.js';

const ACCESS_KEY_ID =
  /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA|AIDA|AROA|AIPA|ANPA|ANVA|AGPA)[A-Z0-9]{16}(?![A-Za-z0-9])/g;
// `aws_secret_access_key = ...`, `AWS secret key: ...`, `"SecretAccessKey": "..."`: the span is the value only.
const SECRET_KEY =
  /(?:aws[ _\-]?secret(?:[ _\-]?access)?[ _\-]?key|secret[ _\-]?access[ _\-]?key)["']?\s*[:=]>?\s*["']?([A-Za-z0-9\/+]{40})(?![A-Za-z0-9\/+=])/gi;

/** Finds AWS access key ids anywhere and 40-character secret keys that follow a secret-key label. */
export const awsKeyDetector: Detector = {
  category: 'aws_key',
  find(text: string): Match[] {
    const out: Match[] = [];
    for (let m = firstMatch(ACCESS_KEY_ID, text); m !== null; m = ACCESS_KEY_ID.exec(text)) {
      out.push({ category: 'aws_key', start: m.index, end: m.index + m[0].length, value: m[0] });
    }
    if (/secret/i.test(text)) {
      for (let m = firstMatch(SECRET_KEY, text); m !== null; m = SECRET_KEY.exec(text)) {
        const value = m[1];
        const start = m.index + m[0].length - value.length;
        out.push({ category: 'aws_key', start, end: start + value.length, value });
      }
    }
    return out.sort((a, b) => a.start - b.start);
  },
};
