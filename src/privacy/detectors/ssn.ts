// US social security number detector: AAA-GG-SSSS without the never-issued ranges.

import { windowBefore } from './context.js';
import { digitRunDetector } from './util.js';

// Dashed or spaced (consistently), or 9 bare digits when a label precedes them.
const CANDIDATE = /(?<![\w\-.\/]|\d[ \-])(\d{3})([ \-]?)(\d{2})\2(\d{4})(?![\w\-]|[.\/]\d|[ \-]\d)/y;
// The label as written in prose, in a form or as a key (`"ssn": "123456789"`, `social_security_number=…`).
const LABEL =
  /(?:ssn|social[\s_]security(?:[\s_]number|[\s_]no\.?)?|ss#)[\s_]*(?:#|no\.?|number)?["']?\s*[:=]?\s*["']?$/;

/** True for an area/group/serial combination that the SSA may issue. */
export function ssnPartsValid(area: string, group: string, serial: string): boolean {
  const a = Number(area);
  return a !== 0 && a !== 666 && a < 900 && group !== '00' && serial !== '0000';
}

/** Finds US SSNs written `123-45-6789` or `123 45 6789` (bare `123456789` only after an "SSN" label). */
// A candidate starts with a run of three digits and a space or dash, or is a run of nine.
const mayStart = (text: string, runs: readonly number[], k: number): boolean => {
  const length = runs[k + 1] - runs[k];
  const after = text.charCodeAt(runs[k + 1]);
  return length === 9 || (length === 3 && (after === 32 || after === 45));
};

export const ssnDetector = digitRunDetector('ssn', CANDIDATE, mayStart, (m, text) => {
  if (!ssnPartsValid(m[1], m[3], m[4])) return false;
  if (m[2] === '') return LABEL.test(windowBefore(text, m.index, 40));
  return true;
});
