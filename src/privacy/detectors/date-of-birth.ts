// Date-of-birth recognizer: a calendar date (numeric or with a month name, seven languages) with a birth cue nearby.

import type { Detector, Match } from '../types.js';
import { cueBefore, windowAfter, windowBefore } from './context.js';
import { digitRuns, firstMatch, isSpace } from './util.js';

const MONTHS = [
  'january february march april may june july august september october november december jan ' +
    'feb mar apr jun jul aug sep sept oct nov dec',
  'januar februar märz april mai juni juli august september oktober november dezember jänner mär okt dez',
  'janvier février mars avril mai juin juillet août septembre octobre novembre décembre janv févr avr juil sept déc',
  'enero febrero marzo abril mayo junio julio agosto septiembre setiembre octubre noviembre diciembre ene abr ago dic',
  'gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre gen mag giu lug ott',
  'januari februari maart april mei juni juli augustus september oktober november december mrt okt',
  'januari februari mars april maj juni juli augusti september oktober november december',
  'januar februar marts april maj juni juli august september oktober november december',
  'tammikuuta helmikuuta maaliskuuta huhtikuuta toukokuuta kesäkuuta heinäkuuta elokuuta ' +
    'syyskuuta lokakuuta marraskuuta joulukuuta',
]
  .join(' ')
  .split(' ');
const MONTH = [...new Set(MONTHS)].sort((a, b) => b.length - a.length).join('|');
const D = String.raw`(?:[12]\d|3[01]|0?[1-9])`;
const M = String.raw`(?:1[0-2]|0?[1-9])`;
const Y = String.raw`(?:19|20)\d{2}`;
const DATE = new RegExp(
  [
    String.raw`${D}([./\-])${M}\1(?:${Y}|\d{2})`, // 14/03/1985, 14.03.85
    String.raw`${M}([./\-])${D}\2(?:${Y}|\d{2})`, // 03/14/1985 (month first, as in the US, where the day is over 12)
    String.raw`${Y}-${M}-${D}`, // 1985-03-14
    String.raw`${Y}([./])${M}\3${D}`, // 1985/03/14, 1985.03.14
    String.raw`${D}-(?:${MONTH})-(?:${Y}|\d{2})`, // 14-Mar-1985, 14-MAR-85 (records and databases write DD-MON-YY)
    String.raw`${Y}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])`, // 19850314 (ISO 8601's basic form: vCard, HL7)
    String.raw`${D}(?:st|nd|rd|th|er|º)?\.?\s(?:de\s|of\s)?(?:${MONTH})\.?,?\s(?:de\s|del\s)?${Y}`, // 14 March 1985, 14. März 1985, 14 de marzo de 1985, 14th of March 1985
    String.raw`(?:${MONTH})\.?\s${D}(?:st|nd|rd|th)?,?\s${Y}`, // March 14, 1985
  ].join('|'),
  'giu',
);
/**
 * False for numeric dates that do not exist (31/02/1985, 02/30/1985); dates with month names are taken as written. A
 * numeric date is read day first, or month first when its second number is over 12.
 */
function calendarValid(date: string): boolean {
  const parts = /^\d{8}$/.test(date) ? [date.slice(0, 4), date.slice(4, 6), date.slice(6)] : date.split(/[./\-]/);
  if (parts.length !== 3 || parts.some((p) => !/^\d+$/.test(p))) return true;
  const [first, second, y] =
    parts[0].length === 4
      ? [Number(parts[2]), Number(parts[1]), Number(parts[0])]
      : [Number(parts[0]), Number(parts[1]), Number(parts[2])];
  const [d, m] = second > 12 ? [second, first] : [first, second];
  const days = new Date(Date.UTC(y < 100 ? 1900 + y : y, m, 0)).getUTCDate();
  return d >= 1 && d <= days;
}

const BOUNDARY_BEFORE = /[\p{L}\p{N}]$/u;
const BOUNDARY_AFTER = /^[\p{L}\p{N}]|^[./\-]\d/u;

const BIRTH_CUES = [
  'born',
  'born on',
  'date of birth',
  'birth date',
  'birthdate',
  'birthday',
  'bday', // vCard's BDAY
  'dob',
  'd.o.b.',
  'd.o.b',
  'geboren',
  'geboren am',
  'geb.',
  'geburtsdatum',
  'geburtstag',
  'né le',
  'née le',
  'né',
  'née',
  'date de naissance',
  'naissance',
  'nacido el',
  'nacida el',
  'nací el',
  'naci el',
  'nacido',
  'nacida',
  'fecha de nacimiento',
  'f. nac.',
  'nació el',
  'nato il',
  'nata il',
  'nato',
  'nata',
  'data di nascita',
  'nascita',
  'geboren op',
  'geboortedatum',
  'geb. datum',
  'född',
  'född den',
  'födelsedatum',
  'født',
  'født den',
  'fødselsdato',
  'fødselsdag',
  'syntynyt',
  'syntymäaika',
];
// The gap may hold a vCard property's parameters: `BDAY;VALUE=date:19850314`.
const CUE = cueBefore(
  BIRTH_CUES,
  String.raw`(?:;[a-z-]+=[^:;\s]*)*[\s:=,(]*(?:on\s|am\s|le\s|el\s|il\s|op\s|den\s|the\s)?`,
  16,
);
// Where a birth cue may be: dates are looked for only from 60 characters before to 90 after one of these stems.
const STEM = /born|birth|bday|dob|d\.o\.b|geb|naiss|né|nac|nat[oa]|nasc|geboor|föd|född|født|føds|synty/giu;
const CUE_AFTER = /^\s*(?:\((?:dob|d\.o\.b\.?|born|date of birth|geb\.?|né|née)\)|(?:in [\p{L}\- ]{2,24} )?geboren\b)/u;

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isLetter = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/**
 * The runs of digits that every DATE match holds one of, as `[start, end]` pairs: a run that starts with a year
 * (`1985`, also `19851`: the pattern has no boundary after the year), a run ending in a year right before `-` and a
 * digit (`1985-03-14`), a run before `.`, `/` or `-` and a digit (`14/03/85`), or a day before `-` and a letter
 * (`14-MAR-85`).
 */
function dateAnchors(text: string): number[] {
  const out: number[] = [];
  const runs = digitRuns(text);
  for (let k = 0; k < runs.length; k += 2) {
    const s = runs[k];
    const e = runs[k + 1];
    const after = text.charCodeAt(e);
    const sepDigit = (after === 46 || after === 47 || after === 45) && isDigit(text.charCodeAt(e + 1));
    const dayBeforeMonth = e - s <= 2 && after === 45 && isLetter(text.charCodeAt(e + 1)); // `14-MAR-85`
    if (
      sepDigit ||
      dayBeforeMonth ||
      (e - s >= 4 && isYear(text, s)) ||
      (e - s >= 4 && after === 45 && isYear(text, e - 4))
    )
      out.push(s, e);
  }
  return out;
}
const isYear = (text: string, i: number): boolean =>
  (text.charCodeAt(i) === 49 && text.charCodeAt(i + 1) === 57) ||
  (text.charCodeAt(i) === 50 && text.charCodeAt(i + 1) === 48);

// A DATE match starts at most 40 characters before the anchor run it holds (`14 de septiembre de 1985`). A stem's
// window takes dates starting from 60 characters before it to 90 after: stems further than these from every anchor
// find nothing, and skipping them changes no window that finds something (the text between holds no date start).
const STEM_BEFORE_ANCHOR = 90 + 40 + 10;
const STEM_AFTER_ANCHOR = 60 + 10;

/**
 * The stretches of the text where a stem may open a window holding a date: around each anchor, each starting after
 * whitespace (no stem holds any, so a scan from there finds what a scan of the whole text finds there). Merged where
 * they meet; the walk back to whitespace stops at the previous stretch, so it is linear.
 */
function stemRegions(text: string, anchors: readonly number[]): [number, number][] {
  const out: [number, number][] = [];
  for (let k = 0; k < anchors.length; k += 2) {
    const to = Math.min(text.length, anchors[k + 1] + STEM_AFTER_ANCHOR);
    const last = out[out.length - 1];
    const floor = last ? last[1] : 0;
    let from = Math.max(floor, anchors[k] - STEM_BEFORE_ANCHOR);
    while (from > floor && !isSpace(text.charCodeAt(from - 1))) from--;
    if (last && from <= floor) last[1] = to;
    else out.push([from, to]);
  }
  return out;
}

/**
 * Finds dates of birth: a valid calendar date (`14/03/1985`, `1985-03-14`, `14 March 1985`,
 * `14. März 1985`, `14 de marzo de 1985`) within a few words after a birth cue (`born`, `DOB`,
 * `geboren`, `né le`, `nacida el`, `nato il`, `född`) or followed by `(DOB)`. Dates without a cue
 * are not personal data by themselves and are left alone.
 */
export const dateOfBirthDetector: Detector = {
  category: 'date_of_birth',
  find(text: string): Match[] {
    const out: Match[] = [];
    const anchors = dateAnchors(text);
    if (anchors.length === 0) return out;
    let scannedTo = 0;
    let next = 0; // the first anchor that may lie in or after the current stem's window
    for (const [regionFrom, regionTo] of stemRegions(text, anchors)) {
      const stretch = text.slice(regionFrom, regionTo);
      for (let stem = firstMatch(STEM, stretch); stem !== null; stem = STEM.exec(stretch)) {
        const stemAt = regionFrom + stem.index;
        const from = Math.max(scannedTo, stemAt - 60);
        const to = stemAt + 90;
        if (from >= to) continue;
        // No anchor near: the window holds no date (and skipping it leaves later windows as they were).
        while (next < anchors.length && anchors[next + 1] <= stemAt - 60) next += 2;
        if (next >= anchors.length || anchors[next] > stemAt + 130) continue;
        // A bounded window keeps the scan linear: a search from `from` must not run on to the end of the text.
        const window = text.slice(from, Math.min(text.length, to + 40));
        for (let m = firstMatch(DATE, window); m !== null && m.index + from < to; m = DATE.exec(window)) {
          const start = from + m.index;
          const end = start + m[0].length;
          scannedTo = Math.max(scannedTo, end);
          if (
            BOUNDARY_BEFORE.test(text.slice(Math.max(0, start - 1), start)) ||
            BOUNDARY_AFTER.test(text.slice(end, end + 2))
          )
            continue;
          const cued = CUE.test(windowBefore(text, start, 48)) || CUE_AFTER.test(windowAfter(text, end, 24));
          // Dates are found in text order (each window starts after the last date found): a repeat can only be the last
          // one.
          if (cued && calendarValid(m[0]) && out[out.length - 1]?.start !== start)
            out.push({ category: 'date_of_birth', start, end, value: m[0], score: 0.85 });
        }
        scannedTo = Math.max(scannedTo, to);
      }
    }
    return out;
  },
};
