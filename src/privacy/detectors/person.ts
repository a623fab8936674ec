// Person-name recognizer: runs of capitalised words scored from a given-name gazetteer, titles and context cues.

import type { Detector, Match, TextScan } from '../types.js';
import { atSentenceStart, cueBefore, windowBefore } from './context.js';
import { isGivenLower } from './gazetteer.js';
import { NAME_STOPWORDS, WEAK_NAMES } from './name-stopwords.js';
import {
  ARTICLES,
  COMPANY_BEFORE,
  CONJUNCTIONS,
  COMPANY_DESIGNATOR,
  GREETED_NOT_PERSONS,
  GREETINGS,
  LOWER_CASE_NAME_OWNERS,
  NAME_CUES,
  NON_NAME_TAILS,
  ORG_CONTEXT,
  PARTICLES,
  PERSON_CONTEXT,
  PERSON_NAME_OWNERS,
  TAILS_THAT_START_NAMES,
  TITLES,
} from './person-words.js';
import { PLACE_NAMES } from './place-names.generated.js';
import { firstMatch, isTwoByte, latin1StandIn, mergeOutside, proseSeparators, scanFor, WordShapes } from './util.js';

// A capitalised word in any cased script: `Whitfield`, `O'Brien`, `McDonald`, `Jean-Pierre`, `Дмитрий`.
const WORD =
  /(?<![\p{L}\p{N}_@\/\\$#.-])(?:Ma?c|O['’]|D['’])?\p{Lu}[\p{Ll}\p{M}]+(?:-\p{Lu}[\p{Ll}\p{M}]+)?(?![\p{L}\p{N}_@]|\.\p{L}|['’]\p{L})/gu;
// In a text with characters beyond Latin-1: no ASCII letter or digit (nor `_@/\$#.-`) before, and a capital first.
const wordScan = scanFor(WORD, String.raw`(?<![A-Za-z0-9_@\/\\$#.\-])(?=[A-Z\u00C0-\u00DE\u0100-\u{10ffff}])`);
/**
 * The regex and the subject that scan `text` for WORD: a two-byte text through its one-byte stand-in (WORD asks only
 * about the classes it keeps), unless it has none; offsets are the text's.
 */
function wordScanOf(text: string): [RegExp, string] {
  const standIn = isTwoByte(text) ? latin1StandIn(text) : undefined;
  return standIn === undefined ? [wordScan(text), text] : [WORD, standIn];
}
const PARTICLE_GAP = new RegExp(`^ (?:(?:${[...PARTICLES].join('|')}) ){1,2}$|^ d['’]$`);
// The longest name gap: a space and two particles with their spaces. Longer gaps are not cut out of the text.
const MAX_GAP = 1 + 2 * (Math.max(...[...PARTICLES].map((p) => p.length)) + 1);

/**
 * True if `text.slice(from, to)`, between two capitalised words, keeps them in one name: one or two spaces, or
 * particles (`van der`, `d'`). Also used for the bare mentions of a known person, so both read names alike.
 */
export function isNameGap(text: string, from: number, to: number): boolean {
  if (to - from > MAX_GAP) return false;
  const gap = text.slice(from, to);
  return gap === ' ' || gap === '  ' || PARTICLE_GAP.test(gap);
}
const CUE = cueBefore(NAME_CUES, String.raw`[\s:,]*`);
const MAX_TOKENS = 4;
// A dotted version number (`4.5`, `v2.1.332`) after one space; a lone number (`Anna Smith 3 times`) is not one.
// After it, or a software acronym (`Claude Agent SDK`, `Stripe API`): a product's name, not a person's.
const VERSION_AFTER = /^ (?:v?\d+(?:\.\d+)+|SDK|API|CLI|IDE)(?![\p{L}\p{N}])/u;
// The last word of every cue: the cue regex runs only when the word before a name is one of these.
const CUE_LAST = new Set(NAME_CUES.map((c) => /([^\s:]+)[\s:]*$/u.exec(c)?.[1] ?? c));
// One-word cues that may be capitalised into the run itself: `Patient Maria Gonzalez`, `Dear Jonathan`.
const CUE_WORDS = new Set(NAME_CUES.filter((c) => !/[\s:]/.test(c)));
// The small word lists the scoring asks about, in one map of bit flags: a word is looked up once, not once a list.
const TITLE = 1;
const CUE_WORD = 2;
const CUE_END = 4;
const STOPWORD = 8;
const ARTICLE = 16;
const NON_NAME_TAIL = 32;
const CONJUNCTION = 64;
const WEAK = 128;
/** Only from `previousFlags`: the word is a title followed by a dot (`Dr.`). */
const DOTTED_TITLE = 256;
const GREETING = 512;
const FLAGS = new Map<string, number>();
for (const [list, flag] of [
  [TITLES, TITLE],
  [CUE_WORDS, CUE_WORD],
  [CUE_LAST, CUE_END],
  [NAME_STOPWORDS, STOPWORD],
  [ARTICLES, ARTICLE],
  [NON_NAME_TAILS, NON_NAME_TAIL],
  [CONJUNCTIONS, CONJUNCTION],
  [WEAK_NAMES, WEAK],
  [GREETINGS, GREETING],
] as const) {
  for (const w of list) FLAGS.set(w, (FLAGS.get(w) ?? 0) | flag);
}

const FLAG_SHAPES = new WordShapes([...FLAGS.keys(), ...[...TITLES].map((t) => `${t}.`)]);
const flagsOf = (word: string): number => (FLAG_SHAPES.mayHave(word, 0, word.length) ? (FLAGS.get(word) ?? 0) : 0);

/** Space, tab, line break, colon or comma: what `previousFlags` skips between words. */
const isSkip = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 58 || c === 44;

/**
 * The text being scanned and its lower-cased copy, set by `find` for one call (it runs to completion without
 * yielding): words are cut from the copy instead of lower-casing every slice. `lowered` is undefined when lower-casing
 * changes the text's length (`İ`), so that offsets into the copy would be wrong; slices are then lower-cased one by
 * one.
 */
let scanned = '';
let lowered: string | undefined;

/** `text.slice(start, end).toLowerCase()`, cut from the lower-cased copy when it is the text being scanned. */
function lowerSlice(text: string, start: number, end: number): string {
  return lowered !== undefined && text === scanned ? lowered.slice(start, end) : text.slice(start, end).toLowerCase();
}

let previousAt = -1;
let previousFlagsAt = 0;

/**
 * The flags of the lower-cased word before `index`, skipping spaces, colons and commas (at most 20 characters back),
 * with TITLE also when the word is a title and a dot (`Dr.`). Scoring asks several times about the word before a run's
 * first word: the last answer is kept (for this text).
 */
function previousFlags(text: string, index: number): number {
  if (index === previousAt && text === scanned) return previousFlagsAt;
  let end = index;
  while (end > 0 && isSkip(text.charCodeAt(end - 1))) end--;
  let start = end;
  // A key's last word is the word (`first_name:`, as YAML writes it).
  while (start > 0 && end - start < 20 && !isSkip(text.charCodeAt(start - 1)) && text.charCodeAt(start - 1) !== 95)
    start--;
  let f = 0;
  // Most words before a capitalised word are in no list: the shape test reads the lower-cased copy without cutting the
  // word.
  if (lowered === undefined || text !== scanned || FLAG_SHAPES.mayHave(lowered, start, end)) {
    const word = lowerSlice(text, start, end);
    f = flagsOf(word);
    if (word.endsWith('.') && (flagsOf(word.slice(0, -1)) & TITLE) !== 0) f |= DOTTED_TITLE;
  }
  previousAt = text === scanned ? index : -1;
  previousFlagsAt = f;
  return f;
}

/** True if a name cue ends right before `index` (cheap word check first, then the cue regex). */
function cueAt(text: string, index: number): boolean {
  if ((previousFlags(text, index) & CUE_END) === 0) return false;
  const window = windowBefore(text, index, 30);
  if (!CUE.test(window)) return false;
  // `name:` and `name is` announce a person's name alone or after a word about a person (`Full name:`, `her name is`),
  // not after a thing's (`Display name: Release Train`, `the file name is …`).
  const owner = NAME_OWNER.exec(window)?.[1];
  return owner === undefined || PERSON_NAME_OWNERS.has(owner);
}
const NAME_OWNER = /(\p{L}+)(?:\s+|_)name(?:\s*:|\s+is)[\s:,]*$/u;

interface Token {
  start: number;
  end: number;
  lowerCase?: string;
  given?: boolean;
  flags?: number;
}

/** Whether the token is a known given name (looked up once per token). */
const isGiven = (t: Token): boolean => (t.given ??= isGivenLower(lower(t)));

/** The token in lower case, cut from the lower-cased copy when first asked for. */
const lower = (t: Token): string => (t.lowerCase ??= lowerSlice(scanned, t.start, t.end));
/** The token's word-list flags (looked up once per token). */
const flags = (t: Token): number => (t.flags ??= flagsOf(lower(t)));

/**
 * A run of one word is a name only after a title or a cue (`Mr Whitfield`, `Patient Kowalski`):
 * this cheap test skips the scoring of the many capitalised words that start sentences.
 */
function loneWordCandidate(text: string, token: Token): boolean {
  // At the text's start or after `!` or `?`, no title or cue can come before (a cue may end a line: `Regards,\nAnna`).
  let i = token.start - 1;
  while (i >= 0 && text.charCodeAt(i) === 32) i--;
  if (i < 0) return false;
  const c = text.charCodeAt(i);
  if (c === 33 || c === 63) return false;
  // The word before first: it is rarely a title or cue, and then the token itself need not be lower-cased.
  return (
    (previousFlags(text, token.start) & (CUE_END | TITLE | DOTTED_TITLE | GREETING)) !== 0 &&
    (flags(token) & (TITLE | CUE_WORD)) === 0
  );
}

/** True if the gap from `prev` to the word at `next` keeps them in one name: a name gap, or a title's dot. */
function joins(text: string, prev: Token, next: number): boolean {
  return (
    isNameGap(text, prev.end, next) ||
    (next === prev.end + 2 && text.startsWith('. ', prev.end) && (flags(prev) & TITLE) !== 0)
  );
}

/** `.`, `!`, `?`, `;` or a line break. */
const endsSentence = (c: number): boolean => c === 46 || c === 33 || c === 63 || c === 59 || c === 10;
const LETTER = /[\p{L}'’-]/u;
/** A character of a context word: a letter, an apostrophe or a hyphen (ASCII decided without a regex). */
const inWord = (c: number): boolean =>
  (c >= 97 && c <= 122) ||
  (c >= 65 && c <= 90) ||
  c === 39 ||
  c === 45 ||
  (c >= 128 && LETTER.test(String.fromCharCode(c)));

/**
 * Organisation (-1) or person (+1) context in the sentence around a candidate: the words up to 60 characters
 * before it and 40 after, not crossing a sentence end. Both or neither give 0. Words before a `=` are a form field's
 * label (a JSON member's key, `employee team = Platform Engineering`): they may say organisation (`product name`),
 * but not person, since forms label fields about products with words about people (`customerPlan`, `clientApp`).
 * One pass each way from the candidate finds the sentence's bounds and looks up the words on the way.
 */
function contextAround(text: string, start: number, end: number): number {
  const low = lowered !== undefined && text === scanned ? lowered : undefined;
  let kinds = 0;
  const stop = Math.max(0, start - 60);
  let afterLabel = true; // no `=` yet between the word and the candidate
  let wordEnd = -1;
  let i = start - 1;
  for (; i >= stop; i--) {
    const c = text.charCodeAt(i);
    const k = classOf(c);
    if ((k & WORD_CHAR) !== 0) {
      if (wordEnd < 0) wordEnd = i + 1;
      continue;
    }
    if (wordEnd >= 0) {
      kinds |= contextWord(text, low, i + 1, wordEnd, afterLabel);
      wordEnd = -1;
    }
    if (c === 61) afterLabel = false;
    else if ((k & SENTENCE_END) !== 0 && !(c === 46 && TITLE_DOT.test(text.slice(Math.max(0, i - 6), i)))) break;
  }
  if (wordEnd >= 0) kinds |= contextWord(text, low, i + 1, wordEnd, afterLabel);
  const limit = Math.min(text.length, end + 40);
  let wordStart = -1;
  let j = end;
  for (; j < limit; j++) {
    const k = classOf(text.charCodeAt(j));
    if ((k & WORD_CHAR) !== 0) {
      if (wordStart < 0) wordStart = j;
      continue;
    }
    if (wordStart >= 0) {
      kinds |= contextWord(text, low, wordStart, j, true);
      wordStart = -1;
    }
    if ((k & SENTENCE_END) !== 0) break;
  }
  if (wordStart >= 0) kinds |= contextWord(text, low, wordStart, j, true);
  return kinds === ORG ? -1 : kinds === PERSON ? 1 : 0;
}

/** ORG or PERSON if `text.slice(i, j)` is a context word of that kind (PERSON only if `personOk`), else 0. */
function contextWord(text: string, low: string | undefined, i: number, j: number, personOk: boolean): number {
  if (j - i > CONTEXT_MAX || (low !== undefined && !CONTEXT_SHAPES.mayHave(low, i, j))) return 0;
  const kind = CONTEXT.get(lowerSlice(text, i, j));
  return kind === -1 ? ORG : kind === 1 && personOk ? PERSON : 0;
}
const ORG = 1;
const PERSON = 2;
// The classes of one-byte characters for the context scan, in a table.
const WORD_CHAR = 1;
const SENTENCE_END = 2;
const CHAR_CLASS = new Uint8Array(256);
for (let c = 0; c < 256; c++) CHAR_CLASS[c] = (inWord(c) ? WORD_CHAR : 0) | (endsSentence(c) ? SENTENCE_END : 0);
const classOf = (c: number): number => (c < 256 ? CHAR_CLASS[c] : LETTER.test(String.fromCharCode(c)) ? WORD_CHAR : 0);
// Organisation (-1) and person (+1) context words in one map; the organisation reading wins for a word in both lists.
const CONTEXT: ReadonlyMap<string, number> = new Map([
  ...[...PERSON_CONTEXT].map((w) => [w, 1] as const),
  ...[...ORG_CONTEXT].map((w) => [w, -1] as const),
]);
const CONTEXT_MAX = Math.max(...[...CONTEXT.keys()].map((w) => w.length));
const CONTEXT_SHAPES = new WordShapes(CONTEXT.keys());
const TITLE_DOT = /(?:^|[^\p{L}])(?:mr|mrs|ms|dr|prof|sr|sra|sig|dott|dhr|mevr|st)$/iu;

/**
 * True if a company designator follows the run, maybe after more coordinated names (`Hansen Elektronik A/S`, `Di Vita,
 * Cinelli e figli`).
 */
function designatorAfter(text: string, end: number): boolean {
  // Cheap test first: after spaces and commas, a designator or a further name starts with a capital letter or `&`,
  // a conjunction with a, u, e, y or o; most names are followed by a lower-case word or punctuation.
  let i = end;
  while (i < text.length && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 44)) i++;
  const c = text[i];
  if (
    c === undefined ||
    !(c === '&' || c === 'a' || c === 'u' || c === 'e' || c === 'y' || c === 'o' || c !== c.toLowerCase())
  )
    return false;
  COMPANY_DESIGNATOR.lastIndex = 0;
  return COMPANY_DESIGNATOR.test(text.slice(end, end + 80));
}

/** True if a company designator and a conjunction or comma come right before `start` (`Bergqvist Aktiebolag and …`). */
function companyBefore(text: string, start: number): boolean {
  let i = start - 1;
  while (i >= 0 && text.charCodeAt(i) === 32) i--;
  if (i < 0 || (text.charCodeAt(i) !== 44 && (previousFlags(text, start) & CONJUNCTION) === 0)) return false;
  return COMPANY_BEFORE.test(text.slice(Math.max(0, start - 24), start));
}

/**
 * Scores one run of capitalised words and returns the name inside it, if any. A name that would score below `minScore`
 * is left out as soon as that is sure: the checks that can only lower the score or drop the name (context, company
 * designators, place names, version numbers) run on the few runs that could still pass.
 */
function scoreRun(text: string, run: Token[], minScore: number): Match | undefined {
  let i = 0;
  let titled = false;
  let cued = false;
  while (i < run.length) {
    const f = flags(run[i]);
    if ((f & TITLE) !== 0) titled = true;
    else if ((f & CUE_WORD) !== 0) cued = true;
    else if ((f & (STOPWORD | GREETING)) === 0 || isGiven(run[i])) break;
    else if (cueAt(text, run[i].end)) cued = true;
    i++;
  }
  if (!titled && !cued && i < run.length - 2 && !isGiven(run[i])) {
    // German nouns and words joined by particles lead some runs: `Kollegin Lea Hartmann`, `Auftrag von Lea Hartmann`.
    let j = i + 1;
    while (j < run.length - 1 && !isGiven(run[j])) j++;
    if (j < run.length - 1) i = j;
  }
  if (!titled && i === 0) titled = (previousFlags(text, run[0].start) & (TITLE | DOTTED_TITLE)) !== 0;
  const rest = run.slice(i, i + MAX_TOKENS);
  if (rest.length === 0) return undefined;
  if (rest.some((t, k) => (flags(t) & NON_NAME_TAIL) !== 0 && !(k === 0 && TAILS_THAT_START_NAMES.has(lower(t)))))
    return undefined;
  const first = rest[0];
  const last = rest[rest.length - 1];
  const weak = (flags(first) & WEAK) !== 0 && rest.length >= 2 && !atSentenceStart(text, first.start);
  const given = isGiven(first) || weak;
  if (!cued && i === 0) cued = cueAt(text, first.start);
  // A greeting right before a lone known given name (`Hi Jonathan,`, `Thanks, Maria`) is a cue; not before other words
  // (`Hello World`), a word more often another's (`Hola Madrid`, `Salut Paris`) or an assistant's name (`Hi Claude`).
  if (
    !cued &&
    !titled &&
    rest.length === 1 &&
    isGiven(first) &&
    (flags(first) & STOPWORD) === 0 &&
    !GREETED_NOT_PERSONS.has(lower(first))
  )
    cued = ((i > 0 ? flags(run[i - 1]) : previousFlags(text, first.start)) & GREETING) !== 0;
  let score = given ? (rest.length >= 2 ? 0.75 : 0.35) : rest.length >= 2 ? 0.3 : 0.15;
  if (titled) score += 0.5;
  if (cued) score += 0.4;
  // An article right before the first word: `the Ford Mustang`, `The Neal Towels is the latest in a series`.
  if (
    !titled &&
    !cued &&
    (i === 0
      ? text[first.start - 1] === ' ' && (previousFlags(text, first.start) & ARTICLE) !== 0
      : (flags(run[i - 1]) & ARTICLE) !== 0)
  )
    score -= 0.3;
  // Person context can add 0.25 to a name with no other evidence; everything below only lowers the score.
  const personContextMayAdd = rest.length >= 2 && !given && !titled && !cued;
  if (Math.min(1, score + (personContextMayAdd ? 0.25 : 0)) < minScore) return undefined;
  if (rest.length >= 2) {
    const context = contextAround(text, first.start, last.end);
    if (context < 0) score -= 0.3;
    else if (context > 0 && personContextMayAdd) score += 0.25;
    if (Math.min(1, score) < minScore) return undefined;
    if (designatorAfter(text, last.end) || companyBefore(text, first.start)) score -= 0.5;
    if (Math.min(1, score) < minScore) return undefined;
  }
  const value = text.slice(first.start, last.end);
  if (PLACE_NAMES.has(value.toLowerCase())) return undefined;
  // A version number or software acronym right after the words names a product or model, not a person: `Sonnet 4.5`,
  // `Claude Agent SDK`.
  if (VERSION_AFTER.test(text.slice(last.end, last.end + 16))) return undefined;
  return { category: 'person', start: first.start, end: last.end, value, score: Math.min(1, score) };
}

/**
 * Extends each family name found after a field's colon by the given name that follows it alone, as records write a
 * name surname first (`Patient: Müller, Hans;`, `Full name: García López, María`): one person, not a family name and
 * a given name left in the text. Not when more follows the given name (`Name: Smith, Anna and Tom`).
 */
function extendSurnameFirst(text: string, found: Match[]): Match[] {
  const out: Match[] = [];
  for (const m of found) {
    const last = out[out.length - 1];
    if (last !== undefined && m.start < last.end) continue; // the given name a family name before took
    out.push(m);
    if (!text.startsWith(', ', m.end) || !afterFieldColon(text, m.start)) continue;
    GIVEN_AFTER_COMMA.lastIndex = m.end + 2;
    const given = GIVEN_AFTER_COMMA.exec(text)?.[0];
    if (given === undefined || !isGivenLower(given.toLowerCase())) continue;
    const end = m.end + 2 + given.length;
    let j = end;
    while (text.charCodeAt(j) === 32) j++;
    if (j < text.length && !FIELD_END.includes(text[j])) continue;
    out[out.length - 1] = { ...m, end, value: text.slice(m.start, end) };
  }
  return out;
}
const GIVEN_AFTER_COMMA = /\p{Lu}[\p{Ll}\p{M}]+(?:-\p{Lu}[\p{Ll}\p{M}]+)?/uy;
const FIELD_END = ';,()|.\n\r';
/** True if a colon (after spaces) stands right before `start`: the value of a field (`Patient: …`). */
function afterFieldColon(text: string, start: number): boolean {
  let i = start;
  while (i > 0 && text.charCodeAt(i - 1) === 32) i--;
  return text.charCodeAt(i - 1) === 58;
}

/**
 * Adds the names written in small letters right after `my name is`, `her name:`, `mein name:` (`my name is mary
 * jones`): a known given name first, then up to two more words that are no ordinary word (`and`, `from`). A place
 * taken by a finding of the capitalised scan is left to it. Found from the text's separators, which the credential
 * recognizer reads too (a scan for these cues cost 1-4 µs/KB).
 */
function lowerCaseNames(text: string, out: Match[]): Match[] {
  const found: Match[] = [];
  const { colons, is } = proseSeparators(text);
  for (const list of [colons, is]) {
    for (const p of list) {
      if (p < 4 || (text.charCodeAt(p - 1) | 32) !== 101 || !NAME_BEFORE.test(text.slice(p - 4, p))) continue;
      if (!LOWER_CASE_NAME_OWNERS.has(wordBefore(text, p - 4))) continue;
      IS_AFTER_NAME.lastIndex = p;
      const m = IS_AFTER_NAME.test(text) ? lowerCaseName(text, IS_AFTER_NAME.lastIndex) : undefined;
      if (m) found.push(m);
    }
  }
  return mergeOutside(out, found);
}
const NAME_BEFORE = /^name$/i;
const IS_AFTER_NAME = /(?: is)?:?[ \t]+/y;

/** The name in small letters at `start`, if any. */
function lowerCaseName(text: string, start: number): Match | undefined {
  let end = start;
  for (let words = 0; words < 3; words++) {
    if (words > 0 && text.charCodeAt(end) !== 32) break;
    LOWER_WORD.lastIndex = words === 0 ? start : end + 1;
    const w = LOWER_WORD.exec(text)?.[0];
    if (w === undefined || NAME_STOPWORDS.has(w) || WEAK_NAMES.has(w) || (words === 0 && !isGivenLower(w))) break;
    end = LOWER_WORD.lastIndex;
  }
  return end === start ? undefined : { category: 'person', start, end, value: text.slice(start, end), score: 0.75 };
}

// A word in small letters (or `'`, `’`, `-` inside), not followed by a letter or digit.
const LOWER_WORD = /\p{Ll}[\p{Ll}\p{M}'’-]*(?![\p{L}\p{N}])/uy;

/** The word (in lower case) that ends right before `i`, after one space: `my` in `my name`. */
function wordBefore(text: string, i: number): string {
  if (text.charCodeAt(i - 1) !== 32) return '';
  let start = i - 1;
  while (start > 0 && i - start < 12 && /[\p{L}']/u.test(text[start - 1])) start--;
  return text.slice(start, i - 1).toLowerCase();
}

/** The capitalised words of `text` as the recognizer reads them (`[start0, end0, …]`), for a text it did not scan. */
export function capitalisedWords(text: string): number[] {
  const out: number[] = [];
  const [words, subject] = wordScanOf(text);
  for (let m = firstMatch(words, subject); m !== null; m = words.exec(subject))
    out.push(m.index, m.index + m[0].length);
  return out;
}

/**
 * Finds person names: a known given name followed by a family name (`Jonathan Whitfield`,
 * `Pieter van der Berg`), a title and a capitalised word (`Mr Whitfield`, `Frau Müller`), or
 * capitalised words after a cue (`my name is Дмитрий Иванов`). Each finding carries its score.
 */
export const personDetector: Detector = {
  category: 'person',
  find(text: string, minScore = -Infinity, scan?: TextScan): Match[] {
    const out: Match[] = [];
    const seen: number[] | undefined = scan ? [] : undefined;
    scanned = text;
    previousAt = -1;
    const folded = text.toLowerCase();
    lowered = folded.length === text.length ? folded : undefined;
    let run: Token[] = [];
    const flush = (): void => {
      if (run.length > 1 || (run.length === 1 && loneWordCandidate(text, run[0]))) {
        const m = scoreRun(text, run, minScore);
        if (m) out.push(m);
      }
      run = [];
    };
    const [words, subject] = wordScanOf(text);
    for (let m = firstMatch(words, subject); m !== null; m = words.exec(subject)) {
      const end = m.index + m[0].length;
      seen?.push(m.index, end);
      const token: Token = {
        start: m.index,
        end,
        lowerCase: undefined,
        given: undefined,
        flags: undefined,
      };
      const prev = run[run.length - 1];
      // One space is the common gap inside a name: decided without cutting out the gap.
      if (
        prev &&
        !(token.start === prev.end + 1 && text.charCodeAt(prev.end) === 32) &&
        !joins(text, prev, token.start)
      )
        flush();
      run.push(token);
    }
    flush();
    if (scan) scan.words = seen;
    // The text and its lower-cased copy are not kept once the scan is done.
    scanned = '';
    lowered = undefined;
    previousAt = -1;
    const all = lowerCaseNames(text, out);
    return all.length === 0 ? all : extendSurnameFirst(text, all);
  },
};
