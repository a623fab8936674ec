// The machine-readable zone of a passport or an identity card (ICAO Doc 9303), as OCR or a scanner writes it into a
// prompt: its document number, date of birth, names and personal number, each field found by its place and every
// number confirmed by its check digit.

import type { Category, Match } from '../types.js';
import { mrzCheckDigit } from './id-checksums.js';

/** The layouts: a passport's two lines of 44 (TD3), a card's two of 36 (TD2) or three of 30 (TD1). */
interface Layout {
  width: number;
  lines: number;
  /** The first line's first character: the document's type. */
  type: RegExp;
  /** Line, start and end of the document number, whose check digit follows it. */
  number: [number, number, number];
  birth: [number, number, number];
  expiry: [number, number, number];
  /** The personal number (optional data, with its own check digit on a passport). */
  personal: [number, number, number];
  name: [number, number, number];
  /** The spans (line, start, end) that the composite check digit, the zone's last character, covers. */
  composite: [number, number, number][];
  /** The category of the document number. */
  category: Category;
}

const LAYOUTS: readonly Layout[] = [
  {
    width: 44,
    lines: 2,
    type: /^P/,
    number: [1, 0, 9],
    birth: [1, 13, 19],
    expiry: [1, 21, 27],
    personal: [1, 28, 42],
    name: [0, 5, 44],
    composite: [
      [1, 0, 10],
      [1, 13, 20],
      [1, 21, 43],
    ],
    category: 'passport',
  },
  {
    width: 36,
    lines: 2,
    type: /^[ACI]/,
    number: [1, 0, 9],
    birth: [1, 13, 19],
    expiry: [1, 21, 27],
    personal: [1, 28, 35],
    name: [0, 5, 36],
    composite: [
      [1, 0, 10],
      [1, 13, 20],
      [1, 21, 35],
    ],
    category: 'national_id',
  },
  {
    width: 30,
    lines: 3,
    type: /^[ACI]/,
    number: [0, 5, 14],
    birth: [1, 0, 6],
    expiry: [1, 8, 14],
    personal: [0, 15, 30],
    name: [2, 0, 30],
    composite: [
      [0, 5, 30],
      [1, 0, 7],
      [1, 8, 15],
      [1, 18, 29],
    ],
    category: 'national_id',
  },
];

const MRZ_LINE = /^[A-Z0-9<]+$/;

const checks = (line: string, start: number, end: number): boolean =>
  mrzCheckDigit(line.slice(start, end)) === Number(line[end]);

/**
 * The fields of every machine-readable zone in `text` whose document number, date of birth and expiry pass their
 * check digits (and the composite one): `passport` or `national_id` for the document number and the personal number,
 * `date_of_birth`, and `person` for each word of the name.
 */
export function mrzMatches(text: string): Match[] {
  const out: Match[] = [];
  if (text.includes('<<')) {
    const lines: { start: number; text: string }[] = [];
    for (let start = 0; start <= text.length;) {
      let end = text.indexOf('\n', start);
      if (end === -1) end = text.length;
      let stop = end;
      while (stop > start && (text[stop - 1] === '\r' || text[stop - 1] === ' ')) stop--;
      lines.push({ start, text: text.slice(start, stop) });
      start = end + 1;
    }
    for (let l = 0; l < lines.length; l++) {
      for (const layout of LAYOUTS) {
        const zone = lines.slice(l, l + layout.lines);
        if (zone.length < layout.lines || !zone.every((z) => z.text.length === layout.width && MRZ_LINE.test(z.text)))
          continue;
        if (!layout.type.test(zone[0].text) || !valid(zone, layout)) continue;
        fields(zone, layout, out);
        l += layout.lines - 1;
        break;
      }
    }
  }
  return out;
}

function valid(zone: readonly { text: string }[], layout: Layout): boolean {
  for (const [line, start, end] of [layout.number, layout.birth, layout.expiry])
    if (!checks(zone[line].text, start, end)) return false;
  const last = zone[layout.lines - 1].text;
  if (last.endsWith('<')) return true; // no composite check digit (some cards)
  const covered = layout.composite.map(([line, start, end]) => zone[line].text.slice(start, end)).join('');
  return mrzCheckDigit(covered) === Number(last[last.length - 1]);
}

function fields(zone: readonly { start: number; text: string }[], layout: Layout, out: Match[]): void {
  const push = (category: Category, [line, start, end]: [number, number, number]): void => {
    const text = zone[line].text;
    while (end > start && text[end - 1] === '<') end--;
    if (end > start)
      out.push({
        category,
        start: zone[line].start + start,
        end: zone[line].start + end,
        value: text.slice(start, end),
        score: 0.95,
      });
  };
  push(layout.category, layout.number);
  push('date_of_birth', layout.birth);
  if (/[A-Z0-9]/.test(zone[layout.personal[0]].text.slice(layout.personal[1], layout.personal[2])))
    push('national_id', layout.personal);
  // Each word of the name: the surname before `<<`, the given names after, `<` between words.
  const [line, from, to] = layout.name;
  const name = zone[line].text;
  for (const word of name.slice(from, to).matchAll(/[A-Z]+/g))
    push('person', [line, from + word.index, from + word.index + word[0].length]);
}
