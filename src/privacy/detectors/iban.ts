// IBAN detector: country code, check digits, per-country length and the ISO 13616 mod-97 checksum.

import { digitRunDetector, ibanChecksumValid } from './util.js';

/** Total IBAN length per country (SWIFT IBAN registry). */
export const IBAN_LENGTHS: Readonly<Record<string, number>> = Object.freeze({
  AD: 24,
  AE: 23,
  AL: 28,
  AT: 20,
  AZ: 28,
  BA: 20,
  BE: 16,
  BG: 22,
  BH: 22,
  BI: 27,
  BR: 29,
  BY: 28,
  CH: 21,
  CR: 22,
  CY: 28,
  CZ: 24,
  DE: 22,
  DJ: 27,
  DK: 18,
  DO: 28,
  EE: 20,
  EG: 29,
  ES: 24,
  FI: 18,
  FK: 18,
  FO: 18,
  FR: 27,
  GB: 22,
  GE: 22,
  GI: 23,
  GL: 18,
  GR: 27,
  GT: 28,
  HR: 21,
  HU: 28,
  IE: 22,
  IL: 23,
  IQ: 23,
  IS: 26,
  IT: 27,
  JO: 30,
  KW: 30,
  KZ: 20,
  LB: 28,
  LC: 32,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  LY: 25,
  MC: 27,
  MD: 24,
  ME: 22,
  MK: 19,
  MN: 20,
  MR: 27,
  MT: 31,
  MU: 30,
  NI: 28,
  NL: 18,
  NO: 15,
  OM: 23,
  PK: 24,
  PL: 28,
  PS: 29,
  PT: 25,
  QA: 29,
  RO: 24,
  RS: 22,
  RU: 33,
  SA: 24,
  SC: 31,
  SD: 18,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  SO: 23,
  ST: 25,
  SV: 28,
  TL: 23,
  TN: 24,
  TR: 26,
  UA: 29,
  VA: 22,
  VG: 24,
  XK: 20,
  YE: 30,
});

// Country code + 2 check digits, then up to 30 alphanumerics, optionally grouped by single spaces.
const CANDIDATE_AT = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){10,30}/y;
const isUpper = (c: number): boolean => c >= 65 && c <= 90;

/** The IBAN's `[start, end]` in a candidate, or false if it holds none. */
function ibanIn(m: RegExpExecArray, text: string): false | [number, number] {
  const length = IBAN_LENGTHS[m[0].slice(0, 2)];
  if (length === undefined) return false;
  // Take exactly `length` alphanumerics; the candidate may have run on into following words.
  let count = 0;
  let i = 0;
  const raw = m[0];
  while (i < raw.length && count < length) {
    if (raw[i] !== ' ') count++;
    i++;
  }
  if (count < length) return false;
  const end = m.index + i;
  if (/[A-Za-z0-9]/.test(text[end] ?? '')) return false; // the IBAN must end at a boundary
  const compact = raw.slice(0, i).replace(/ /g, '');
  if (!ibanChecksumValid(compact)) return false;
  const spaced = raw.slice(0, i);
  if (spaced.includes(' ')) {
    // Spaced IBANs come in groups of four (last group shorter).
    const groups = spaced.split(' ');
    if (groups.slice(0, -1).some((g) => g.length !== 4) || groups[groups.length - 1].length > 4) return false;
  }
  return [m.index, end];
}

/**
 * Finds valid IBANs, compact (`DE89370400440532013000`) or spaced in groups (`DE89 3704 0044 ...`). The check digits
 * start a run of digits after two capitals: the pattern is tried two characters before such runs, and a rejected
 * candidate is looked inside again, as a scan of the whole text would.
 */
export const ibanDetector = digitRunDetector(
  'iban',
  CANDIDATE_AT,
  (text, runs, k) =>
    runs[k + 1] - runs[k] >= 2 && isUpper(text.charCodeAt(runs[k] - 2)) && isUpper(text.charCodeAt(runs[k] - 1)),
  ibanIn,
  { lead: 2, retryInside: true },
);
