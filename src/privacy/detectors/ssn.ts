// US social security number detector: AAA-GG-SSSS without the never-issued ranges.

import { regexDetector, textBefore } from './util.js';

// Dashed or spaced (consistently), or 9 bare digits when a label precedes them.
const CANDIDATE = /(?<![\w\-.\/]|\d[ \-])(\d{3})([ \-]?)(\d{2})\2(\d{4})(?![\w\-]|[.\/]\d|[ \-]\d)/g;
const LABEL = /(?:ssn|social security(?: number| no\.?)?|ss#)\s*(?:#|no\.?|number)?\s*[:=]?\s*$/;

/** True for an area/group/serial combination that the SSA may issue. */
export function ssnPartsValid(area: string, group: string, serial: string): boolean {
  const a = Number(area);
  return a !== 0 && a !== 666 && a < 900 && group !== '00' && serial !== '0000';
}

/** Finds US SSNs written `123-45-6789` or `123 45 6789` (bare `123456789` only after an "SSN" label). */
export const ssnDetector = regexDetector('ssn', CANDIDATE, {
  check(m, text) {
    if (!ssnPartsValid(m[1], m[3], m[4])) return false;
    if (m[2] === '') return LABEL.test(textBefore(text, m.index, 40));
    return true;
  },
});
