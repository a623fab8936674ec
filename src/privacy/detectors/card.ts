// Payment card number detector: 13-19 digits, optional consistent spaces/dashes, Luhn and known IIN ranges.

import type { Detector, Match } from '../types.js';
import { cueBefore, windowBefore } from './context.js';
import { digitRunDetector, digitRuns, luhnValid, WordShapes } from './util.js';

// A digit run with single optional separators; not glued to words, dashes or other digit groups.
const CANDIDATE = /(?<![\w\-]|\d[ \-])\d(?:[ \-]?\d){12,18}(?![\w\-]|[ \-]\d|[.,]\d)/y;

/** Lengths allowed for an issuer: `[prefixes, lengths]`, prefixes as inclusive ranges over the first digits. */
const ISSUERS: readonly {
  ranges: readonly (readonly [number, number])[];
  digits: number;
  lengths: readonly number[];
}[] = [
  { ranges: [[4, 4]], digits: 1, lengths: [13, 16, 19] }, // Visa
  { ranges: [[51, 55]], digits: 2, lengths: [16] }, // Mastercard
  { ranges: [[2221, 2720]], digits: 4, lengths: [16] }, // Mastercard 2-series
  {
    ranges: [
      [34, 34],
      [37, 37],
    ],
    digits: 2,
    lengths: [15],
  }, // American Express
  { ranges: [[6011, 6011]], digits: 4, lengths: [16, 19] }, // Discover
  { ranges: [[644, 649]], digits: 3, lengths: [16, 19] }, // Discover
  { ranges: [[65, 65]], digits: 2, lengths: [16, 19] }, // Discover
  {
    ranges: [
      [300, 305],
      [309, 309],
    ],
    digits: 3,
    lengths: [14, 16, 19],
  }, // Diners Club
  {
    ranges: [
      [36, 36],
      [38, 39],
    ],
    digits: 2,
    lengths: [14, 16, 19],
  }, // Diners Club
  { ranges: [[3528, 3589]], digits: 4, lengths: [16, 17, 18, 19] }, // JCB
  {
    ranges: [
      [62, 62],
      [81, 81],
    ],
    digits: 2,
    lengths: [16, 17, 18, 19],
  }, // UnionPay
  { ranges: [[2200, 2204]], digits: 4, lengths: [16, 17, 18, 19] }, // Mir
  {
    ranges: [
      [5018, 5018],
      [5020, 5020],
      [5038, 5038],
      [5893, 5893],
      [6304, 6304],
      [6759, 6759],
      [6761, 6763],
    ],
    digits: 4,
    lengths: [13, 14, 15, 16, 17, 18, 19],
  }, // Maestro
  { ranges: [[6799, 6799]], digits: 4, lengths: [16, 19] }, // Maestro UK
];

/** True when the digits start with a known issuer prefix and have a length that issuer uses. */
export function knownIssuer(digits: string): boolean {
  for (const issuer of ISSUERS) {
    if (!issuer.lengths.includes(digits.length)) continue;
    const prefix = Number(digits.slice(0, issuer.digits));
    if (issuer.ranges.some(([lo, hi]) => prefix >= lo && prefix <= hi)) return true;
  }
  return false;
}

/** True if at least 13 digits follow from run `k`, in runs joined by single spaces or dashes (what CANDIDATE needs). */
function thirteenDigitsFrom(text: string, runs: readonly number[], k: number): boolean {
  let digits = runs[k + 1] - runs[k];
  for (let j = k; digits < 13 && j + 2 < runs.length && runs[j + 2] === runs[j + 1] + 1; j += 2) {
    const gap = text.charCodeAt(runs[j + 1]);
    if (gap !== 32 && gap !== 45) break;
    digits += runs[j + 3] - runs[j + 2];
  }
  return digits >= 13;
}

/** Finds Luhn-valid card numbers of known issuers, written plain or grouped with spaces or dashes. */
const cardNumbers = digitRunDetector('card', CANDIDATE, thirteenDigitsFrom, (m) => {
  const raw = m[0];
  const hasSpace = raw.includes(' ');
  const hasDash = raw.includes('-');
  if (hasSpace && hasDash) return false; // mixed separators: not how cards are written
  const digits = raw.replace(/[ \-]/g, '');
  if (hasSpace || hasDash) {
    const groups = raw.split(/[ \-]/);
    // Cards are grouped in blocks of 4 (or 4-6-5 / 4-6-4 for Amex and Diners); no single-digit blocks.
    if (groups.some((g) => g.length < 3 || g.length > 6)) return false;
  }
  return knownIssuer(digits) && luhnValid(digits);
});

// What comes right before a card's security code (`CVV 123`, `security code: 123`, `Kartenprüfnummer 123`); `code`
// alone is an error's, a zip's or an area's.
const SECURITY_CODE_CUES = [
  ...['cvv', 'cvv2', 'cvc', 'cvc2', 'cvn', 'kartenprüfnummer', 'prüfziffer', 'prüfnummer', 'beveiligingscode'],
  ...['security code', 'verification code', 'card code', 'card verification value', 'card verification number'],
  ...['cryptogramme visuel', 'código de seguridad', 'codigo de seguridad', 'codice di sicurezza'],
];
const SECURITY_CODE_CUE = cueBefore(SECURITY_CODE_CUES, String.raw`[\s:#=.()\-]*`);
// The cues' last words: a shape test of the word before a number skips most numbers before the cue regex runs.
const CUE_SHAPES = new WordShapes(SECURITY_CODE_CUES.map((c) => c.slice(c.lastIndexOf(' ') + 1)));
/** What may stand between the cue and the code: spaces, `:`, `#`, `=`, `.`, `(`, `)`, `-`. */
const isGap = (c: number): boolean =>
  c === 32 || c === 9 || c === 58 || c === 35 || c === 61 || c === 46 || c === 40 || c === 41 || c === 45;
const isLetter = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c > 127;
const isWordChar = (c: number): boolean => isLetter(c) || (c >= 48 && c <= 57); // `CVV2`

/** The 3 or 4 digits right after a security-code cue (`CVV 123`, `CVC: 1234`, `security code 123`). */
function securityCodes(text: string): Match[] {
  const out: Match[] = [];
  const runs = digitRuns(text);
  for (let k = 0; k < runs.length; k += 2) {
    const start = runs[k];
    const end = runs[k + 1];
    if (end - start < 3 || end - start > 4 || isLetter(text.charCodeAt(end)) || isLetter(text.charCodeAt(start - 1)))
      continue;
    let wordEnd = start;
    while (wordEnd > 0 && start - wordEnd < 4 && isGap(text.charCodeAt(wordEnd - 1))) wordEnd--;
    let wordStart = wordEnd;
    while (wordStart > 0 && wordEnd - wordStart < 17 && isWordChar(text.charCodeAt(wordStart - 1))) wordStart--;
    if (wordEnd === start || wordStart === wordEnd) continue;
    // Most words before a number are no cue: a test of their first and last letters and length skips them.
    const first = text.charCodeAt(wordStart);
    const last = text.charCodeAt(wordEnd - 1);
    if (first < 128 && last < 128 && !CUE_SHAPES.mayHaveShape(first | 32, last | 32, wordEnd - wordStart)) continue;
    if (!SECURITY_CODE_CUE.test(windowBefore(text, start, 40))) continue;
    out.push({ category: 'card', start, end, value: text.slice(start, end) });
  }
  return out;
}

/**
 * Finds Luhn-valid card numbers of known issuers, written plain or grouped with spaces or dashes, and the security
 * codes written after their cue (`CVV 123`), which card data also holds and a prompt never needs.
 */
export const cardDetector: Detector = {
  category: 'card',
  find(text: string): Match[] {
    const numbers = cardNumbers.find(text);
    const codes = securityCodes(text);
    return codes.length === 0 ? numbers : [...numbers, ...codes].sort((a, b) => a.start - b.start);
  },
};
