// National identifiers: UK NINO and NHS number, DE Steuer-ID, FR NIR, ES DNI/NIE, IT codice fiscale, NL BSN and US
// ITIN, scored by check digit and cue.

import type { Detector, Match } from '../types.js';
import { windowBefore } from './context.js';
import { bsnValid, codiceFiscaleValid, dniValid, mod11Valid, nirValid, steuerIdValid } from './id-checksums.js';
import { digitRuns } from './util.js';

const CUE = new RegExp(
  String.raw`(?:^|[^\p{L}])(?:national[\s_]insurance|ni[\s_](?:number|no)|nino|nhs|steuer[\s\-_]?id|steuer[\s\-_]?identifikationsnummer|steuernummer|idnr|tax[\s\-_]?(?:id|number|identification)|tin|sécurité[\s_]sociale|securite[\s_]sociale|sécu|nir|insee|dni|nie|nif|documento|codice[\s_]fiscale|c\.f\.|cf|bsn|burgerservicenummer|sofinummer|sofi|itin|taxpayer|identity[\s_](?:number|no)|id[\s_](?:number|no))(?![\p{L}])`,
  'u',
);

interface Shape {
  /** Sticky: tried only where `candidate` says a match can start. */
  re: RegExp;
  /**
   * Where a match holding the digit run `runs[k]` first can start, or -1 if none can (cheap tests on the run and its
   * neighbours that every match passes).
   */
  candidate: (text: string, runs: readonly number[], k: number) => number;
  /** Score of a candidate that passes `valid`, without and with a cue in the 40 characters before it. */
  score: [number, number];
  valid: (compact: string, raw: string) => boolean;
}

const B = String.raw`(?<![\p{L}\p{N}\-/.])`;
const E = String.raw`(?![\p{L}\p{N}]|[\-/.]\p{N})`;
const NINO_BAD_PREFIX = new Set(['BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ']);

/**
 * The digits of the runs from `runs[k]` on that follow each other with one space, dot or hyphen between (every shape
 * writes its digits so), counted up to `need`.
 */
function chainDigits(text: string, runs: readonly number[], k: number, need: number): number {
  let n = runs[k + 1] - runs[k];
  for (let j = k + 2; j < runs.length && n < need && runs[j] === runs[j - 1] + 1; j += 2) {
    const c = text.charCodeAt(runs[j - 1]);
    if (c !== 32 && c !== 46 && c !== 45) break;
    n += runs[j + 1] - runs[j];
  }
  return n;
}

/** The run's start, if its chain holds `need` digits and its first digit passes `first` (a digit-first shape). */
const digitsFirst =
  (need: number, first: (digit: number) => boolean = () => true) =>
  (text: string, runs: readonly number[], k: number): number =>
    first(text.charCodeAt(runs[k]) - 48) && chainDigits(text, runs, k, need) >= need ? runs[k] : -1;

const isUpper = (c: number): boolean => c >= 65 && c <= 90;
const isAsciiAlnum = (c: number): boolean => (c >= 48 && c <= 57) || isUpper(c) || (c >= 97 && c <= 122);
const isXyz = (c: number): boolean => c >= 88 && c <= 90;

const SHAPES: Shape[] = [
  {
    // QQ 12 34 56 C (QQ is the prefix HMRC uses in examples; it is never issued but is treated as real)
    re: new RegExp(String.raw`${B}(?:[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]|QQ) ?\d{2} ?\d{2} ?\d{2} ?[A-D]${E}`, 'uy'),
    // Two capitals, maybe a space, then the digits.
    candidate: (text, runs, k) => {
      const r = runs[k];
      const start = text.charCodeAt(r - 1) === 32 ? r - 3 : r - 2;
      return start >= 0 &&
        isUpper(text.charCodeAt(start)) &&
        isUpper(text.charCodeAt(start + 1)) &&
        chainDigits(text, runs, k, 6) >= 6
        ? start
        : -1;
    },
    score: [0.7, 1],
    valid: (c) => !NINO_BAD_PREFIX.has(c.slice(0, 2)),
  },
  {
    re: new RegExp(String.raw`${B}[1-9]\d(?: ?\d{3}){3}${E}`, 'uy'),
    candidate: digitsFirst(11, (d) => d !== 0),
    score: [0.45, 0.9],
    valid: (c) => c.length === 11 && steuerIdValid(c),
  },
  {
    re: new RegExp(
      String.raw`${B}[12] ?\d{2} ?(?:0[1-9]|1[0-2]|[2-9]\d) ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3} ?\d{2}${E}`,
      'uy',
    ),
    // Corsica's `2A`/`2B` department ends the first chain after six digits.
    candidate: digitsFirst(6, (d) => d === 1 || d === 2),
    score: [0.8, 1],
    valid: (c) => nirValid(c),
  },
  {
    re: new RegExp(String.raw`${B}(?:[XYZ]-?\d{7}|\d{8})-?[A-Z]${E}`, 'uy'),
    // Eight digits (DNI), or X, Y or Z, maybe a hyphen, and seven (NIE).
    candidate: (text, runs, k) => {
      const r = runs[k];
      const n = runs[k + 1] - r;
      if (n === 8) return r;
      if (n !== 7) return -1;
      if (isXyz(text.charCodeAt(r - 1))) return r - 1;
      return text.charCodeAt(r - 1) === 45 && isXyz(text.charCodeAt(r - 2)) ? r - 2 : -1;
    },
    score: [0.75, 1],
    valid: (c) => dniValid(c),
  },
  {
    re: new RegExp(
      String.raw`${B}[A-Za-z]{6}[0-9LMNPQRSTUV]{2}[A-Za-z][0-9LMNPQRSTUV]{2}[A-Za-z][0-9LMNPQRSTUV]{3}[A-Za-z]${E}`,
      'uy',
    ),
    // A word of 16 ASCII letters and digits around the run (omocodia letters may stand for any of its digits, so the
    // run may be anywhere in it).
    candidate: (text, runs, k) => {
      let start = runs[k];
      const stop = Math.max(0, start - 16);
      while (start > stop && isAsciiAlnum(text.charCodeAt(start - 1))) start--;
      let end = runs[k + 1];
      const limit = Math.min(text.length, start + 17);
      while (end < limit && isAsciiAlnum(text.charCodeAt(end))) end++;
      return end - start === 16 && !isAsciiAlnum(text.charCodeAt(start - 1)) ? start : -1;
    },
    score: [0.9, 1],
    valid: (c) => codiceFiscaleValid(c),
  },
  {
    re: new RegExp(String.raw`${B}(?:\d{9}|\d{4}\.\d{2}\.\d{3}|\d{3} \d{3} \d{3})${E}`, 'uy'),
    candidate: digitsFirst(9),
    score: [0.4, 0.85],
    valid: (c) => bsnValid(c),
  },
  {
    re: new RegExp(String.raw`${B}9\d{2}([\- ]?)(?:5\d|6[0-5]|7\d|8[0-8]|9[0-24-9])\1\d{4}${E}`, 'uy'),
    candidate: digitsFirst(9, (d) => d === 9),
    score: [0.3, 0.85],
    valid: () => true,
  },
  {
    // UK NHS number, 943 476 5919: ten digits with a mod-11 check digit; a plain 10-digit number (a phone's shape too)
    // counts only with a cue such as `NHS number`.
    re: new RegExp(String.raw`${B}\d{3}([ \-]?)\d{3}\1\d{4}${E}`, 'uy'),
    candidate: digitsFirst(10),
    score: [0.45, 0.9],
    valid: (c) => c.length === 10 && mod11Valid(c),
  },
];

/**
 * Finds national identifiers. Check-digit ids (Steuer-ID, NIR, DNI/NIE, codice fiscale, BSN, NHS number)
 * must pass their check; ids that are also plain 9-, 10- or 11-digit numbers (BSN, NHS number, Steuer-ID, bare
 * ITIN) count only with a cue such as `BSN`, `NHS number`, `Steuer-ID`, `tax id` or `ITIN` before them.
 */
export const nationalIdDetector: Detector = {
  category: 'national_id',
  find(text: string): Match[] {
    const out: Match[] = [];
    // Every id holds a run of digits: each shape is tried only where a match holding one can start, in text order and
    // not inside its previous match, which is what a scan of the whole text finds.
    const runs = digitRuns(text);
    for (const shape of SHAPES) {
      let after = 0;
      let tried = -1;
      for (let k = 0; k < runs.length; k += 2) {
        const start = shape.candidate(text, runs, k);
        if (start < after || start === tried) continue;
        tried = start;
        shape.re.lastIndex = start;
        const m = shape.re.exec(text);
        if (m === null) continue;
        after = start + m[0].length;
        const compact = m[0].replace(/[\s.\-]/g, '');
        if (!shape.valid(compact.toUpperCase(), m[0])) continue;
        const cued = CUE.test(windowBefore(text, start, 40));
        let score = shape.score[cued ? 1 : 0];
        if (shape === SHAPES[6] && !cued && m[1] !== '') score = 0.6; // a dashed ITIN is distinctive
        out.push({ category: 'national_id', start, end: after, value: m[0], score });
      }
    }
    return out.sort((a, b) => a.start - b.start);
  },
};
