// Date-of-birth recognizer: a calendar date (numeric or with a month name, seven languages) with a birth cue nearby.

import type { Detector, Match } from '../types.js';
import { cueBefore, windowAfter, windowBefore } from './context.js';
import { firstMatch } from './util.js';

const MONTHS = [
  'january february march april may june july august september october november december jan feb mar apr jun jul aug sep sept oct nov dec',
  'januar februar märz april mai juni juli august september oktober november dezember jänner mär okt dez',
  'janvier février mars avril mai juin juillet août septembre octobre novembre décembre janv févr avr juil sept déc',
  'enero febrero marzo abril mayo junio julio agosto septiembre setiembre octubre noviembre diciembre ene abr ago dic',
  'gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre gen mag giu lug ott',
  'januari februari maart april mei juni juli augustus september oktober november december mrt okt',
  'januari februari mars april maj juni juli augusti september oktober november december',
  'januar februar marts april maj juni juli august september oktober november december',
  'tammikuuta helmikuuta maaliskuuta huhtikuuta toukokuuta kesäkuuta heinäkuuta elokuuta syyskuuta lokakuuta marraskuuta joulukuuta',
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
    String.raw`${Y}-${M}-${D}`, // 1985-03-14
    String.raw`${D}(?:st|nd|rd|th|er|º)?\.?\s(?:de\s)?(?:${MONTH})\.?,?\s(?:de\s|del\s)?${Y}`, // 14 March 1985, 14. März 1985, 14 de marzo de 1985
    String.raw`(?:${MONTH})\.?\s${D}(?:st|nd|rd|th)?,?\s${Y}`, // March 14, 1985
  ].join('|'),
  'giu',
);
/** False for numeric dates that do not exist (31/02/1985); dates with month names are taken as written. */
function calendarValid(date: string): boolean {
  const parts = date.split(/[./\-]/);
  if (parts.length !== 3 || parts.some((p) => !/^\d+$/.test(p))) return true;
  const [d, m, y] = parts[0].length === 4 ? [Number(parts[2]), Number(parts[1]), Number(parts[0])] : [Number(parts[0]), Number(parts[1]), Number(parts[2])];
  const days = new Date(Date.UTC(y < 100 ? 1900 + y : y, m, 0)).getUTCDate();
  return d >= 1 && d <= days;
}

const BOUNDARY_BEFORE = /[\p{L}\p{N}]$/u;
const BOUNDARY_AFTER = /^[\p{L}\p{N}]|^[./\-]\d/u;

const BIRTH_CUES = [
  'born', 'born on', 'date of birth', 'birth date', 'birthdate', 'birthday', 'dob', 'd.o.b.', 'd.o.b',
  'geboren', 'geboren am', 'geb.', 'geburtsdatum', 'geburtstag',
  'né le', 'née le', 'né', 'née', 'date de naissance', 'naissance',
  'nacido el', 'nacida el', 'nací el', 'naci el', 'nacido', 'nacida', 'fecha de nacimiento', 'f. nac.', 'nació el',
  'nato il', 'nata il', 'nato', 'nata', 'data di nascita', 'nascita',
  'geboren op', 'geboortedatum', 'geb. datum',
  'född', 'född den', 'födelsedatum', 'født', 'født den', 'fødselsdato', 'fødselsdag', 'syntynyt', 'syntymäaika',
];
const CUE = cueBefore(BIRTH_CUES, String.raw`[\s:=,(]*(?:on\s|am\s|le\s|el\s|il\s|op\s|den\s|the\s)?`, 16);
// Where a birth cue may be: dates are looked for only from 60 characters before to 90 after one of these stems.
const STEM = /born|birth|dob|d\.o\.b|geb|naiss|né|nac|nat[oa]|nasc|geboor|föd|född|født|føds|synty/giu;
const CUE_AFTER = /^\s*(?:\((?:dob|d\.o\.b\.?|born|date of birth|geb\.?|né|née)\)|(?:in [\p{L}\- ]{2,24} )?geboren\b)/u;

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
    let scannedTo = 0;
    for (let stem = firstMatch(STEM, text); stem !== null; stem = STEM.exec(text)) {
      const from = Math.max(scannedTo, stem.index - 60);
      const to = stem.index + 90;
      if (from >= to) continue;
      // A bounded window keeps the scan linear: a search from `from` must not run on to the end of the text.
      const window = text.slice(from, Math.min(text.length, to + 40));
      for (let m = firstMatch(DATE, window); m !== null && m.index + from < to; m = DATE.exec(window)) {
        const start = from + m.index;
        const end = start + m[0].length;
        scannedTo = Math.max(scannedTo, end);
        if (BOUNDARY_BEFORE.test(text.slice(Math.max(0, start - 1), start)) || BOUNDARY_AFTER.test(text.slice(end, end + 2))) continue;
        const cued = CUE.test(windowBefore(text, start, 48)) || CUE_AFTER.test(windowAfter(text, end, 24));
        if (cued && calendarValid(m[0]) && !out.some((o) => o.start === start)) out.push({ category: 'date_of_birth', start, end, value: m[0], score: 0.85 });
      }
      scannedTo = Math.max(scannedTo, to);
    }
    return out;
  },
};
