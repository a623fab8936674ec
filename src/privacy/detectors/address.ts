// Postal-address recognizer: street and house number in seven languages' shapes, plus the postcode and town after it.

import type { Detector, Match } from '../types.js';
import { cueBefore, windowBefore } from './context.js';
import {
  ADDRESS_CUES,
  COMPOUND_ENDINGS,
  DE_PREPOSITIONS,
  EN_SUFFIXES,
  FLOOR,
  PREFIX_TYPES,
  UNIT_WORDS,
} from './address-words.js';
import { keyWords, POSTCODE_KEY, STREET_KEY } from './field-keys.js';
import { digitRuns, firstMatch, flatten, isSpace, isTwoByte, scanFor, sliceForScan } from './util.js';

/** `rue|avenue` -> `[Rr]ue|[Aa]venue`: a street type may start a sentence. */
const eitherCase = (alternation: string): string =>
  alternation
    .split('|')
    .map((w) => (/^\p{Ll}/u.test(w) ? `[${w[0].toUpperCase()}${w[0]}]${w.slice(1)}` : w))
    .join('|');

const CAP = String.raw`\p{Lu}[\p{L}\p{M}'’\-]*\.?`;
const LOWP = String.raw`(?:de|du|des|la|le|les|del|della|dei|degli|delle|di|da|dal|y|el|los|las|à|au|aux|sur|sous|of|the|van|der|den|von|am|an)`;
const ELIDED = String.raw`(?:l|d|dell|all|sull)['’]`;
// Spaces within a line: the words of a street's name do not run on into the next line (`Avenue de Provence\nHome …`).
const SP = String.raw`[^\S\r\n]+`;
const NAME_WORDS = String.raw`(?:(?:${LOWP}${SP}|${ELIDED})*(?!(?:${UNIT_WORDS})(?![\p{L}]))(?:${CAP}|\d{1,3}(?:st|nd|rd|th|º|ª|°)))`;
// A letter after a space is a suffix only in upper case (`12 B`): `2 a`, `5 y` are a number and a word.
const NUM = String.raw`\d{1,5}(?:(?:[A-Za-z]|\s[A-Z])(?![\p{L}\p{N}]))?(?:[\-–/]\d{1,4}[A-Za-z]?)?`;
// Not inside a word or number; a colon is a field's (`LOCATION:12 Harley Street` in iCalendar) only after a letter, not
// a time's (`10:30`).
const START = String.raw`(?<![\p{L}\p{N}.,/\-#€$£])(?<![^\p{L}]:|^:)`;
const END = String.raw`(?![\p{L}\p{N}])`;

// Streets that start with the house number: tried only at the digit runs that can be one (sticky).
const NUMBER_FIRST = new RegExp(
  [
    // 42 Baker Street, 7146 Olson Manor, 5th Avenue
    String.raw`${START}${NUM},?\s(?:(?:${CAP}|\d{1,3}(?:st|nd|rd|th))\s){1,3}(?:${EN_SUFFIXES})s?${END}(?:\s(?:N|S|E|W|NE|NW|SE|SW)\.?${END})?`,
    // 12 rue de la Paix, 9 Passage du Faubourg-Saint-Denis
    String.raw`${START}${NUM}(?:\s?(?:bis|ter))?,?\s(?:${eitherCase(PREFIX_TYPES)})(?:${SP}${NAME_WORDS}){1,5}`,
  ].join('|'),
  'uy',
);

// Streets that end with the house number: scanned in windows that end a few characters after one.
const NAME_FIRST = new RegExp(
  [
    // Via Roma 10, Calle Mayor, 5, C/ Alcalá 23
    // (the type captured: see doubtful)
    String.raw`${START}(${eitherCase(PREFIX_TYPES)})(?:${SP}${NAME_WORDS}){1,5},?\s+(?:${NUM}|s\/n\.?)${END}`,
    // Hauptstraße 5, Berliner Str. 12, van der Heijdenweg 206, Övre Björkgatan 113
    // (a street type alone after a capitalised word: `Berliner Ring 2`, not `Gate 5` or `Platz 3`, a rank)
    String.raw`${START}(?:van\s(?:de[rn]\s)?|von\s|de\s)?(?:(?:${CAP}\s){0,2}\p{Lu}(?=[\p{L}\p{M}'’\-.]*\s?,?\s\d)[\p{L}\p{M}'’\-]*?(?:${eitherCase(COMPOUND_ENDINGS)})|(?:${CAP}\s){1,2}(?:Str\.|Straße|Strasse|Weg|Allee|Platz|Gasse|Ring|Damm|Ufer|Laan|Straat|Plein|Gate|Vej|Vei|Gata|Gade))\s?,?\s${NUM}${END}`,
    // Am Markt 3, An der Kirche 5 (captured: see doubtful)
    String.raw`(${START}(?:${DE_PREPOSITIONS})\s(?:${CAP}\s?){1,2}\s${NUM}${END})`,
  ].join('|'),
  'gu',
);
// In a text with characters beyond Latin-1: no ASCII letter or digit (nor START's ASCII characters) before, and a
// letter first (every street type, preposition and capitalised word starts with one).
const nameFirstScan = scanFor(
  NAME_FIRST,
  String.raw`(?<![A-Za-z0-9.,/\-#$])(?=[A-Za-z\u00C0-\u00DE\u0100-\u{10ffff}])`,
);
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

const TOWN_WORD = String.raw`\p{Lu}[\p{L}\p{M}'’]*`;
const CITY = String.raw`${TOWN_WORD}(?:(?:(?:[ \-](?:sur|sous|le|la|les|en|am|an|der|im|a|de|del|di|upon|on|mare|aan|nell['’]))?[ \-]|-[dl]['’])${TOWN_WORD}){0,3}(?: \(${TOWN_WORD}\))?(?: \p{Ll}{3,}(?=[.,;!?\n]|$))?`;
const UK_POSTCODE = String.raw`[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z\d][A-Z]${END}`;
const POSTCODE_CITY = [
  String.raw`(?:${CITY},?\s)?${UK_POSTCODE}`,
  String.raw`${CITY},\s[A-Z]{2}\s\d{5}(?:-\d{4})?${END}`,
  String.raw`(?:[A-Z]{1,2}-)?\d{4,5}(?:\s?[A-Z]{2}(?=\s))?\s+${CITY}`,
  String.raw`\d{3}\s\d{2}\s+${CITY}`,
].join('|');
// Flat, floor or suite, then optionally the postcode and town, right after the street.
const TAIL = new RegExp(
  String.raw`(?:,?\s(?:${UNIT_WORDS})\s?[\w\-]{1,5}${END}|,?\s${FLOOR}(?![\p{L}\p{N}]))?(?:,?\s(?:${UNIT_WORDS})\s?[\w\-]{1,5}${END})?(?:(?:,\s*|\s*\n\s*|\s+)(?:${POSTCODE_CITY}))?`,
  'uy',
);
// A street without a known type is an address only after a cue: `I live at Østre Eikehagen 1`.
const CUE = new RegExp(cueBefore(ADDRESS_CUES, String.raw`[\s:,]*`).source.replace(/\$$/, ''), 'giu');
// In a text with characters beyond Latin-1: the start, or no ASCII letter or digit at the cue's first character.
const cueScan = scanFor(CUE, String.raw`(?:^|(?![A-Za-z0-9]))`);
const GENERIC = new RegExp(String.raw`(?:the\s)?(?:${NAME_WORDS}\s){1,4}${NUM}${END}`, 'uy');
const NOT_AFTER =
  /(?:chapter|page|section|step|room|line|table|figure|version|top|over|under|about|than|kapitel|seite|chapitre|capítulo|capitolo|hoofdstuk)\s*$/;

// A postcode alone, the whole value of a postcode field: UK, NL, US ZIP (and ZIP+4), 4 or 5 digits (with a country
// prefix: `D-10115`), Swedish `123 45`.
const POSTCODE_VALUE = new RegExp(
  String.raw`^(?:[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z\d][A-Z]|\d{4}\s?[A-Z]{2}|\d{5}-\d{4}|(?:[A-Z]{1,2}-)?\d{4,5}|\d{3}\s\d{2})$`,
);
const LETTER = /\p{L}/u;
const MAX_FIELD = 80;

/** The longest key of a form's line that is looked at: `Straßenname`, `código postal`, with some spaces. */
const MAX_KEY = 24;
/** How the keys of STREET_KEY and POSTCODE_KEY start (a cheap test before their words are cut out). */
const FIELD_KEY_START = /[ \t\-]*(?:str|calle|rue|gat|katu|vej|post|zip|plz|c[oó]d)/iy;

/**
 * Streets and postcodes written as the fields of a form: a line `Key: value` whose key names a street or a postcode
 * (`Street: Dickens Gate`, `Zip code: 28064-5118`, a YAML `zipCode: 10115`, or a JSON member's or table cell's value
 * after its key's label), the value to the end of the line. A record that splits its address over fields holds no
 * street with its number for the patterns above.
 */
function fieldValues(text: string, out: Match[]): void {
  // Line by line, with the next colon found once for many lines: most lines hold none near their start.
  let colon = text.indexOf(':');
  for (let at = 0; colon !== -1 && at < text.length;) {
    let next = text.indexOf('\n', at);
    if (next === -1) next = text.length;
    if (colon < at) colon = text.indexOf(':', at);
    VCARD_ADR.lastIndex = at;
    FIELD_KEY_START.lastIndex = at;
    if (colon !== -1 && colon < next && colon - at <= MAX_VCARD_KEY && VCARD_ADR.test(text))
      vcardAddress(text, colon + 1, next, out);
    else if (colon !== -1 && colon < next && colon - at <= MAX_KEY && FIELD_KEY_START.test(text)) {
      const words = keyWords(text.slice(at, colon).trim());
      const street = STREET_KEY.test(words);
      if (street || POSTCODE_KEY.test(words)) field(text, colon + 1, next, street, out);
    }
    at = next + 1;
  }
}

// A vCard's ADR property, with its parameters and an optional group (`item1.ADR;type=HOME:`); the value's components
// are the post-office box, the extended address, the street, the locality, the region, the postcode and the country.
const VCARD_ADR = /(?:[\w-]+\.)?adr[;:]/iy;
const MAX_VCARD_KEY = 64;

/** The street and the postcode of a vCard address (`;;42 Baker Street;London;;NW1 6XE;United Kingdom`). */
function vcardAddress(text: string, from: number, end: number, out: Match[]): void {
  let start = from;
  for (let component = 0; component <= 5 && start <= end; component++) {
    let stop = text.indexOf(';', start);
    if (stop === -1 || stop > end) stop = end;
    if (component === 2 || component === 5) field(text, start, stop, component === 2, out);
    start = stop + 1;
  }
}

/** The field's value from `from` (spaces skipped) to `end`, if it is a street (`street`) or a postcode. */
function field(text: string, from: number, end: number, street: boolean, out: Match[]): void {
  let start = from;
  while (start < end && isSpace(text.charCodeAt(start))) start++;
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  const value = text.slice(start, end);
  if (value.length > MAX_FIELD) return;
  const accepted = street
    ? value.length >= 2 && LETTER.test(value) && !value.includes('@') && !value.includes('://')
    : POSTCODE_VALUE.test(value);
  if (accepted) out.push({ category: 'address', start, end, value, score: 0.8 });
}

/** Extends a street match over unit, postcode and town; returns the end offset and whether a postcode followed. */
function extend(text: string, end: number): [number, boolean] {
  TAIL.lastIndex = end;
  const t = TAIL.exec(text);
  if (!t || t[0].length === 0) return [end, false];
  return [end + t[0].trimEnd().length, /\d/.test(t[0])];
}

function push(out: Match[], text: string, start: number, end: number, score: number): void {
  const [tailEnd, postcode] = extend(text, end);
  out.push({
    category: 'address',
    start,
    end: tailEnd,
    value: text.slice(start, tailEnd),
    score: Math.min(1, score + (postcode ? 0.2 : 0)),
  });
}

/**
 * Finds postal addresses: street and house number in English, French, Spanish, Italian, German,
 * Dutch and Nordic shapes, with the flat, postcode and town that follow (UK, US, and 4- and
 * 5-digit postcodes), and streets of unknown shape after an address cue.
 */
export const addressDetector: Detector = {
  category: 'address',
  find(text: string): Match[] {
    const out: Match[] = [];
    flatten(text);
    fieldValues(text, out);
    // Every other address has a house number: a street starts at one, or ends a few characters after one.
    const streets: [start: number, end: number, doubtful: boolean][] = [];
    const windows = numberWindows(text, (at) => {
      NUMBER_FIRST.lastIndex = at;
      const m = NUMBER_FIRST.exec(text);
      if (m) streets.push([at, at + m[0].length, false]);
    });
    if (windows.all.length === 0) return out.sort((a, b) => a.start - b.start);
    // A street that ends with its number has a capitalised word (or an ordinal) right before the number: only the
    // windows of such numbers are scanned (all of them when the text holds `s/n`, a street without a number).
    const twoByte = isTwoByte(text);
    for (const [from, to] of text.includes('s/n') ? windows.all : windows.streets) {
      const window = sliceForScan(text, from, to, twoByte);
      const nameFirst = nameFirstScan(window);
      for (let m = firstMatch(nameFirst, window); m !== null; m = nameFirst.exec(window)) {
        const end = from + m.index + m[0].length;
        // The window may end inside a word: END must hold in the whole text.
        if (end < text.length && LETTER_OR_DIGIT.test(text[end])) {
          nameFirst.lastIndex = m.index + 1;
          continue;
        }
        streets.push([from + m.index, end, doubtful(text, from + m.index, end, m[1], m[2])]);
      }
    }
    // As one scan of the text would: the leftmost street wins, overlapping later ones are dropped.
    streets.sort((a, b) => a[0] - b[0]);
    let last = -1;
    for (const [start, end, doubt] of streets) {
      if (start < last) continue;
      last = end;
      const penalty = (NOT_AFTER.test(windowBefore(text, start, 12)) ? 0.4 : 0) + (doubt ? 0.3 : 0);
      push(out, text, start, end, 0.7 - penalty + (cueAt(text, start) ? 0.2 : 0));
    }
    // The street after a cue (GENERIC) also ends with a capitalised word or an ordinal before its number.
    for (const [from, to] of windows.streets) {
      const window = sliceForScan(text, from, to, twoByte);
      const cues = cueScan(window);
      for (let c = firstMatch(cues, window); c !== null; c = cues.exec(window)) {
        const at = from + c.index + c[0].length;
        if (out.some((m) => m.start >= at && m.start <= at + 2)) continue;
        GENERIC.lastIndex = at;
        const g = GENERIC.exec(text);
        if (g) push(out, text, at, at + g[0].length, 0.6);
      }
    }
    return out.sort((a, b) => a.start - b.start);
  },
};

// Street types that are also common nouns (`il Corso di Laurea 2`, `el Mercado Central`, `la Ronda Final 2`, `le Cours
// Magistral 3`): after an article, a street only with a cue or a postcode.
const COMMON_NOUN_TYPES = new Set(
  `place cours passage square route voie villa cité résidence promenade sentier ronda mercado edificio puente quinta
  lado salida solar terrenos bloque barrio carrera jardines corso largo borgo contrada rotonda huerta muelle parcela
  polígono prolongación ramal riera rincón torrente apartamento explanada cuesta bajada arroyo`.split(/\s+/),
);
const ARTICLE_BEFORE = /(?:^|[^\p{L}])((?:il|lo|la|le|les|l['’]|el|los|las|un|una|une|uno|del|al|du|des|the)\s+)$/iu;
// After a German preposition, a noun and a number are a time, a quantity or a phrase more often than a street: `Im
// Jahr 2019`, `Am Montag 3 Termine`, `In der Regel 10 Minuten`, `Zum Beispiel 5 Tage`.
const NOT_PLACES = new Set(
  `jahr jahre jahren jahres vorjahr monat monate monaten quartal woche wochen wochenende tag tage tagen zeit zeitraum
  montag dienstag mittwoch donnerstag freitag samstag sonntag januar jänner februar märz april mai juni juli august
  september oktober november dezember frühjahr frühling sommer herbst winter morgen vormittag mittag nachmittag abend
  anfang ende schluss laufe rahmen zuge fall falle moment augenblick beispiel regel grunde prinzip allgemeinen ganzen
  wesentlichen einzelnen übrigen folgenden vergleich durchschnitt schnitt mittel kapitel abschnitt absatz artikel
  paragraph paragraphen punkt schritt alter prozent`.split(/\s+/),
);
const YEAR = /^(?:19|20)\d\d$/;
// A word of time or measure after the number makes it a count: `3 veces`, `2 horas`, `5 volte`, `10 Minuten`.
const COUNT_WORDS = `veces vez horas? minutos? días? semanas? meses años? volte ore minuti giorni settimane mesi anni fois
  heures? jours? semaines? mois ans années? times hours? minutes? days? weeks? months? years? mal stunden? minuten tagen?
  wochen monaten? jahren? km kg m % € euros?`;
const COUNT_AFTER = new RegExp(String.raw`^\s(?:${COUNT_WORDS.split(/\s+/).join('|')})(?![\p{L}\p{N}])`, 'iu');
const NEXT_CAPITALISED = /^ (\p{Lu}\p{L}*\.?)/u;
const UNIT_WORD = new RegExp(String.raw`^(?:${UNIT_WORDS})$`);

/**
 * True if a name-first street reads as something else, so that it stays an address only with a cue before it or a
 * postcode after it: a count (`Mercado Central 3 veces`); a street type that is a common noun, after an article that
 * no address cue comes before (`type`, captured by the pattern); or, after a German preposition (`prepositional`), a
 * time, a quantity or a phrase (a year for the number, a noun such as `Jahr`, `Montag` or `Beispiel`, or a capitalised
 * word after the number that is not a flat's: `Am Montag 3 Termine`).
 */
function doubtful(text: string, start: number, end: number, type?: string, prepositional?: string): boolean {
  if (COUNT_AFTER.test(text.slice(end, end + 12))) return true;
  if (type !== undefined) {
    if (!COMMON_NOUN_TYPES.has(type.toLowerCase())) return false;
    const article = ARTICLE_BEFORE.exec(text.slice(Math.max(0, start - 8), start))?.[1];
    return article !== undefined && !cueAt(text, start - article.length); // `indirizzo è il Corso …` is one
  }
  if (prepositional === undefined) return false;
  const words = text.slice(start, end).split(/\s+/);
  if (YEAR.test(words[words.length - 1]) || words.some((w) => NOT_PLACES.has(w.toLowerCase()))) return true;
  const next = NEXT_CAPITALISED.exec(text.slice(end, end + 24));
  return next !== null && !UNIT_WORD.test(next[1]);
}

const BEFORE = 120;
const AFTER = 10;

// A house number is at most five digits, after a space or START's allowed characters: `2024-06-01`'s `06` and `01`,
// `10:00`'s `00`, order numbers of six digits and more cannot be one.
const NOT_BEFORE_NUMBER = /[\p{L}\p{N}€£]/u;
/** True if the character code may stand right before a house number (ASCII decided without a regex). */
const mayPrecedeNumber = (c: number): boolean =>
  c < 128
    ? !(
        (c >= 48 && c <= 57) ||
        (c >= 65 && c <= 90) ||
        (c >= 97 && c <= 122) ||
        c === 46 ||
        c === 44 ||
        c === 58 ||
        c === 47 ||
        c === 45 ||
        c === 35 ||
        c === 36
      )
    : !NOT_BEFORE_NUMBER.test(String.fromCharCode(c));

/** True if a colon right after a letter stands before `i`: a field's (`LOCATION:12 …`), not a time's. */
const afterFieldColon = (text: string, i: number): boolean =>
  i > 1 && text.charCodeAt(i - 1) === 58 && LETTER.test(text[i - 2]);

const UPPER = /\p{Lu}/u;

/**
 * False when no street of NAME_FIRST (nor one after a cue) can end with the number at `i`: each has whitespace right
 * before the number and, before that and an optional comma, a word holding a capital letter (`Roma`, `Hauptstraße`,
 * `Str.`) or an ordinal (`5th`, `8º`). Digits alone (`+44 20 7946`, `14 03 1985`) are neither. The word is read back at
 * most 200 characters; a longer one counts as possible.
 */
function mayEndStreet(text: string, i: number): boolean {
  if (i === 0 || !isSpace(text.charCodeAt(i - 1))) return false;
  let k = i - 1;
  while (k >= 0 && (isSpace(text.charCodeAt(k)) || text.charCodeAt(k) === 44)) k--;
  const end = k + 1;
  const stop = Math.max(-1, k - 200);
  for (; k > stop; k--) {
    const c = text.charCodeAt(k);
    if (isSpace(c)) break;
    if ((c >= 65 && c <= 90) || (c >= 128 && UPPER.test(String.fromCharCode(c)))) return true;
  }
  if (k === stop && stop >= 0) return true;
  return ORDINAL_END.test(text.slice(Math.max(k + 1, end - 6), end));
}
// How an ordinal ends: a digit and `st`, `nd`, `rd`, `th`, `º`, `ª` or `°`.
const ORDINAL_END = /\d(?:st|nd|rd|th|º|ª|°)$/;

/**
 * Calls `atNumber` with the start of each run of digits that could be a house number, and returns the merged
 * ranges from 120 characters before each (starting at a word boundary) to 10 after it: a street that ends with
 * its number (`Via Roma 10b`, `Hauptstraße 5-7`) lies inside, and so does an address cue. `all` has the ranges of
 * every such number, `streets` those of the numbers that may end a street (`mayEndStreet`); a street of more than
 * 120 characters is found only when an earlier number's range reaches its start, in either list. One pass, and no
 * array of all the numbers (a text of nothing but numbers would make it large).
 */
function numberWindows(
  text: string,
  atNumber: (at: number) => void,
): { all: [number, number][]; streets: [number, number][] } {
  const all: [number, number][] = [];
  const streets: [number, number][] = [];
  const n = text.length;
  const runs = digitRuns(text);
  for (let k = 0; k < runs.length; k += 2) {
    const i = runs[k];
    const j = runs[k + 1];
    if (j - i <= 5 && (i === 0 || mayPrecedeNumber(text.charCodeAt(i - 1)) || afterFieldColon(text, i))) {
      atNumber(i);
      const from = Math.max(0, i - BEFORE);
      const to = Math.min(n, j + AFTER);
      addWindow(text, all, from, to, i);
      if (mayEndStreet(text, i)) addWindow(text, streets, from, to, i);
    }
  }
  return { all, streets };
}

/**
 * Adds `[from, to)` to `windows`, merged with the last one if they meet, else starting after whitespace (before `i`).
 */
function addWindow(text: string, windows: [number, number][], from: number, to: number, i: number): void {
  const last = windows[windows.length - 1];
  if (last && from <= last[1]) last[1] = to;
  else {
    let start = from;
    while (start > 0 && start < i && !isSpace(text.charCodeAt(start - 1))) start++;
    windows.push([start, to]);
  }
}

const CUE_END = cueBefore(ADDRESS_CUES, String.raw`[\s:,]*`);
function cueAt(text: string, index: number): boolean {
  return CUE_END.test(windowBefore(text, index, 30));
}
