// Phone number detector: E.164/international (+ or 00) and national formats with separators.

import type { Detector, Match } from '../types.js';
import { cueBefore, windowBefore } from './context.js';
import { digitRuns } from './util.js';

// A run of digits, spaces (also no-break), dots, dashes (also en dashes) and parentheses that starts with +, ( or a
// digit.
const CANDIDATE_AT = /(?<![\w+.\-\/])(?:\+|\()?\d(?:[\d ().\-\u2013\u00a0]*\d)?\)?/y;
/** A character CANDIDATE takes between digits: space, parentheses, dot, dashes, no-break space. */
const isJoiner = (c: number): boolean =>
  c === 32 || c === 40 || c === 41 || c === 46 || c === 45 || c === 0x2013 || c === 0xa0;

/**
 * True if at least 8 digits follow from run `k` in runs joined by CANDIDATE's characters: fewer can make no candidate
 * worth a look, and a candidate from an earlier run with fewer cannot reach a later run that has more.
 */
function eightDigitsFrom(text: string, runs: readonly number[], k: number): boolean {
  let digits = runs[k + 1] - runs[k];
  outer: for (let j = k; digits < 8 && j + 2 < runs.length; j += 2) {
    for (let i = runs[j + 1]; i < runs[j + 2]; i++) if (!isJoiner(text.charCodeAt(i))) break outer;
    digits += runs[j + 3] - runs[j + 2];
  }
  return digits >= 8;
}
// Two numbers listed side by side: split the run there.
const SPLIT = /\s[-\u2013\/]\s|\s{2,}/;
const BAD_SEPARATORS = /[.\-\u2013]{2}|[.\-\u2013] [.\-\u2013]|\( |\)\(/;
// Labels after which a number is an identifier, not a phone number.
const NEGATIVE_CONTEXT =
  /(?:\b(?:order|invoice|ref|reference|tracking|sku|isbn|issn|serial|part|model|account|acct|item|ticket|case|po|batch|lot|product|article|iban|bic|ean|upc|id|fedex|ups|usps|dhl|parcel|shipment)\b[^a-z\d]{0,3}(?:no\.?|nr\.?|num(?:ber)?|#|id)?\s*[:#.]?\s*|#\s*)$/;

function isDigits(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return s.length > 0;
}

function isDateLike(groups: string[]): boolean {
  for (let i = 0; i + 2 < groups.length; i++) {
    const [a, b, c] = [groups[i], groups[i + 1], groups[i + 2]];
    const dmY =
      a.length <= 2 && b.length <= 2 && c.length === 4 && Number(a) <= 31 && Number(b) <= 31 && /^(19|20)/.test(c);
    const Ymd =
      a.length === 4 && /^(19|20)/.test(a) && b.length <= 2 && c.length <= 2 && Number(b) <= 12 && Number(c) <= 31;
    if (dmY || Ymd) return true;
  }
  return false;
}

/** Decides whether one candidate (already trimmed) is written like a phone number. */
export function looksLikePhone(s: string): boolean {
  // A bare run of digits is one group, and every shape below needs two or a leading +: decided without the splits.
  if (isDigits(s)) return false;
  if (BAD_SEPARATORS.test(s)) return false;
  const open = s.split('(').length - 1;
  const close = s.split(')').length - 1;
  if (open !== close || open > 2) return false;
  const digits = s.replace(/\D/g, '');
  const groups = s.split(/\D+/).filter((g) => g.length > 0);
  if (s.startsWith('+')) return digits.length >= 8 && digits.length <= 15 && digits[0] !== '0';
  if (isDateLike(groups)) return false;
  if (/^00[1-9]/.test(s)) return groups.length >= 2 && digits.length >= 10 && digits.length <= 17;
  if (groups.length < 2) return false;
  if (s.includes('.') && groups.length < 3) return false;
  // Dotted quads are addresses or versions, not phone numbers.
  if (/^[\d.]+$/.test(s) && groups.length === 4 && groups.every((x) => x.length <= 3)) return false;
  if (digits.length < 9 || digits.length > 12) return false;
  // North American: (NXX) NXX-XXXX, NXX-NXX-XXXX, 1-NXX-NXX-XXXX
  const g = groups.map((x) => x.length).join(',');
  const us = g === '3,3,4' ? groups : g === '1,3,3,4' && groups[0] === '1' ? groups.slice(1) : undefined;
  if (us && /^[2-9]/.test(us[0]) && /^[2-9]/.test(us[1])) return true;
  // National with trunk prefix 0: 020 7946 0958, 06 12 34 56 78, (030) 1234567
  if (digits[0] === '0' && digits[1] !== '0') {
    return groups[0].length >= 2 && groups[0].length <= 5 && groups.every((x) => x.length >= 2);
  }
  return false;
}

// A national number without a trunk prefix (Spain's `612 34 56 78`, Italy's mobile `347 123 4567`) is written like a
// count or an amount; it is a phone number only after a word for one, a few words before at most.
const PHONE_CUE = cueBefore(
  [
    ...`phone telephone tel tel. mobile cell call text whatsapp móvil movil teléfono telefono tlf tfno llámame llamar
    cellulare cell. chiamami téléphone tél portable appelle-moi handy telefon telefoon mobiel bel mobilnummer
    puhelin`.split(/\s+/),
    ...['my number', 'mi número', 'mi numero', 'il mio numero', 'mon numéro', 'meine nummer', 'mijn nummer'],
    ...['mitt nummer', 'min nummer'],
  ],
  String.raw`[\s:#=]*`,
  16,
);
const NATIONAL_SHAPE = /^[1-9][\d ().\-\u2013\u00a0]*\d$/;

/** True if `s` is written like a national number without a trunk prefix: 9 or 10 digits in groups, three first. */
function nationalShape(s: string): boolean {
  // Cheap tests first: most candidates that are no phone's shape are ids, cards and dates.
  const first = s.charCodeAt(0);
  const digits = countDigits(s);
  if (first < 49 || first > 57 || digits < 9 || digits > 10 || digits === s.length) return false;
  if (!NATIONAL_SHAPE.test(s) || BAD_SEPARATORS.test(s)) return false;
  const groups = s.split(/\D+/).filter((g) => g.length > 0);
  const ssnShape = groups.length === 3 && groups[1].length === 2 && groups[2].length === 4;
  // Three digits first (`612`, `347`), then groups of two to four; not an SSN's 3-2-4.
  return (
    groups.length >= 2 && groups[0].length === 3 && groups.every((x) => x.length >= 2 && x.length <= 4) && !ssnShape
  );
}

const WORD_CHAR = /[A-Za-z_]/;
const MAX_PART = 40;

function countDigits(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) n++;
  }
  return n;
}

function trimEnds(s: string, start: number): [string, number] {
  const trimmed = s.replace(/[\s.\-]+$/, '');
  const lead = trimmed.length - trimmed.replace(/^[\s.\-]+/, '').length;
  return [trimmed.slice(lead), start + lead];
}

function trimParens(s: string, start: number): [string, number] {
  let str = s;
  let at = start;
  // A number wrapped whole in parentheses: "(020 7946 0958)".
  if (str.startsWith('(') && str.indexOf(')') === str.length - 1) {
    str = str.slice(1, -1);
    at++;
  }
  const count = (c: string): number => str.split(c).length - 1;
  while (str.startsWith('(') && count('(') > count(')')) {
    str = str.slice(1);
    at++;
  }
  while (str.endsWith(')') && count(')') > count('(')) str = str.slice(0, -1);
  const trimmed = str.replace(/[\s.\-(]+$/, '');
  const lead = trimmed.length - trimmed.replace(/^[\s.\-)]+/, '').length;
  return [trimmed.slice(lead), at + lead];
}

/**
 * Finds phone numbers; bare digit runs, dates, versions and labelled identifiers are left alone, and national numbers
 * without a trunk prefix need a cue.
 */
export const phoneDetector: Detector = {
  category: 'phone',
  find(text: string): Match[] {
    const out: Match[] = [];
    const runs = digitRuns(text);
    let after = 0;
    for (let k = 0; k < runs.length; k += 2) {
      const at = runs[k];
      if (at < after || !eightDigitsFrom(text, runs, k)) continue;
      // A candidate starts at a run of digits (its lookbehind forbids a digit before) or at the + or ( right before
      // one.
      let m: RegExpExecArray | null = null;
      const before = text.charCodeAt(at - 1);
      if ((before === 43 || before === 40) && at - 1 >= after) {
        CANDIDATE_AT.lastIndex = at - 1;
        m = CANDIDATE_AT.exec(text);
      }
      if (m === null) {
        CANDIDATE_AT.lastIndex = at;
        m = CANDIDATE_AT.exec(text);
      }
      if (m === null) continue;
      after = m.index + m[0].length;
      const run = m[0];
      if (run.length < 8 || countDigits(run) < 8) continue;
      const next = text[m.index + run.length];
      if (next !== undefined && WORD_CHAR.test(next)) continue; // glued to a word: a code, not a number
      let offset = 0;
      for (const part of SPLIT.test(run) ? run.split(SPLIT) : [run]) {
        const partStart = run.indexOf(part, offset);
        offset = partStart + part.length;
        // No phone number has more than 17 digits (00 + 15): a longer part is a list of numbers, and skipping it here
        // keeps
        // the per-candidate work below (splits, trims, regexes over the part) from growing with a long run of digits.
        if (part.length > MAX_PART || countDigits(part) > 17) continue;
        const [s, start] =
          run.includes('(') || run.includes(')')
            ? trimParens(part, m.index + partStart)
            : trimEnds(part, m.index + partStart);
        if (s.length < 8) continue;
        const phone = looksLikePhone(s);
        if (!phone && !nationalShape(s)) continue;
        const before = windowBefore(text, start, 30);
        if ((!phone && !PHONE_CUE.test(before)) || NEGATIVE_CONTEXT.test(before)) continue;
        out.push({ category: 'phone', start, end: start + s.length, value: s });
      }
    }
    return out;
  },
};
