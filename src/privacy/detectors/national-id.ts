// National identifiers: UK NINO and NHS number, DE Steuer-ID, FR NIR, ES DNI/NIE, IT codice fiscale, NL BSN and US
// ITIN, scored by check digit and cue.

import type { Detector, Match } from '../types.js';
import { windowBefore } from './context.js';
import { bsnValid, codiceFiscaleValid, dniValid, mod11Valid, nirValid, steuerIdValid } from './id-checksums.js';
import { digitRanges, firstMatch, isTwoByte, sliceForScan } from './util.js';

const CUE = new RegExp(
  String.raw`(?:^|[^\p{L}])(?:national[\s_]insurance|ni[\s_](?:number|no)|nino|nhs|steuer[\s\-_]?id|steuer[\s\-_]?identifikationsnummer|steuernummer|idnr|tax[\s\-_]?(?:id|number|identification)|tin|sécurité[\s_]sociale|securite[\s_]sociale|sécu|nir|insee|dni|nie|nif|documento|codice[\s_]fiscale|c\.f\.|cf|bsn|burgerservicenummer|sofinummer|sofi|itin|taxpayer|identity[\s_](?:number|no)|id[\s_](?:number|no))(?![\p{L}])`,
  'u',
);

interface Shape {
  re: RegExp;
  /** The fewest digits and characters a match holds: the shape is not tried in a range with fewer. */
  digits: number;
  chars: number;
  /** Score of a candidate that passes `valid`, without and with a cue in the 40 characters before it. */
  score: [number, number];
  valid: (compact: string, raw: string) => boolean;
}

const B = String.raw`(?<![\p{L}\p{N}\-/.])`;
const E = String.raw`(?![\p{L}\p{N}]|[\-/.]\p{N})`;
// B and E as tests of the single characters around a match found inside a range of the text.
const BEFORE_CHAR = /[\p{L}\p{N}\-/.]/u;
const AFTER_CHARS = /^(?:[\p{L}\p{N}]|[\-/.]\p{N})/u;
const NINO_BAD_PREFIX = new Set(['BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ']);

const SHAPES: Shape[] = [
  {
    // QQ 12 34 56 C (QQ is the prefix HMRC uses in examples; it is never issued but is treated as real)
    re: new RegExp(String.raw`${B}(?:[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]|QQ) ?\d{2} ?\d{2} ?\d{2} ?[A-D]${E}`, 'gu'),
    digits: 6,
    chars: 9,
    score: [0.7, 1],
    valid: (c) => !NINO_BAD_PREFIX.has(c.slice(0, 2)),
  },
  {
    re: new RegExp(String.raw`${B}[1-9]\d(?: ?\d{3}){3}${E}`, 'gu'),
    digits: 11,
    chars: 11,
    score: [0.45, 0.9],
    valid: (c) => c.length === 11 && steuerIdValid(c),
  },
  {
    re: new RegExp(
      String.raw`${B}[12] ?\d{2} ?(?:0[1-9]|1[0-2]|[2-9]\d) ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3} ?\d{2}${E}`,
      'gu',
    ),
    digits: 14,
    chars: 14,
    score: [0.8, 1],
    valid: (c) => nirValid(c),
  },
  {
    re: new RegExp(String.raw`${B}(?:[XYZ]-?\d{7}|\d{8})-?[A-Z]${E}`, 'gu'),
    digits: 7,
    chars: 9,
    score: [0.75, 1],
    valid: (c) => dniValid(c),
  },
  {
    re: new RegExp(
      String.raw`${B}[A-Za-z]{6}[0-9LMNPQRSTUV]{2}[A-Za-z][0-9LMNPQRSTUV]{2}[A-Za-z][0-9LMNPQRSTUV]{3}[A-Za-z]${E}`,
      'gu',
    ),
    digits: 0, // omocodia letters may stand for any of its digits
    chars: 16,
    score: [0.9, 1],
    valid: (c) => codiceFiscaleValid(c),
  },
  {
    re: new RegExp(String.raw`${B}(?:\d{9}|\d{4}\.\d{2}\.\d{3}|\d{3} \d{3} \d{3})${E}`, 'gu'),
    digits: 9,
    chars: 9,
    score: [0.4, 0.85],
    valid: (c) => bsnValid(c),
  },
  {
    re: new RegExp(String.raw`${B}9\d{2}([\- ]?)(?:5\d|6[0-5]|7\d|8[0-8]|9[0-24-9])\1\d{4}${E}`, 'gu'),
    digits: 9,
    chars: 9,
    score: [0.3, 0.85],
    valid: () => true,
  },
  {
    // UK NHS number, 943 476 5919: ten digits with a mod-11 check digit; a plain 10-digit number (a phone's shape too)
    // counts only with a cue such as `NHS number`.
    re: new RegExp(String.raw`${B}\d{3}([ \-]?)\d{3}\1\d{4}${E}`, 'gu'),
    digits: 10,
    chars: 10,
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
    // Every id holds a digit within 6 characters of its start (the codice fiscale's letters come first) and of its end:
    // the shapes run only in ranges around runs of digits, not over the whole text.
    const twoByte = isTwoByte(text);
    for (const [from, to, digits] of digitRanges(text, 8, 4)) {
      const range = sliceForScan(text, from, to, twoByte);
      for (const shape of SHAPES) {
        if (digits < shape.digits || range.length < shape.chars) continue;
        for (let m = firstMatch(shape.re, range); m !== null; m = shape.re.exec(range)) {
          const start = from + m.index;
          const end = start + m[0].length;
          if ((start > 0 && BEFORE_CHAR.test(text[start - 1])) || AFTER_CHARS.test(text.slice(end, end + 2))) {
            shape.re.lastIndex = m.index + 1; // as a scan of the whole text would, look again from the next character
            continue;
          }
          const compact = m[0].replace(/[\s.\-]/g, '');
          if (!shape.valid(compact.toUpperCase(), m[0])) continue;
          const cued = CUE.test(windowBefore(text, start, 40));
          let score = shape.score[cued ? 1 : 0];
          if (shape === SHAPES[6] && !cued && m[1] !== '') score = 0.6; // a dashed ITIN is distinctive
          out.push({ category: 'national_id', start, end, value: m[0], score });
        }
      }
    }
    return out.sort((a, b) => a.start - b.start);
  },
};
