// Shared helpers for detectors: a regex-driven detector factory and checksum algorithms.

import type { Category, Detector, Match } from '../types.js';

/**
 * Validates a regex candidate. Returns false to drop it, true to keep the whole match, or
 * `[start, end]` (absolute offsets) to keep a narrower span.
 */
export type CandidateCheck = (m: RegExpExecArray, text: string) => boolean | readonly [number, number];

/**
 * The first match of a shared, precompiled global regex in `text`, from its start; continue with
 * `re.exec(text)`. Sharing one regex per detector is safe because `find()` runs to completion
 * without yielding; this resets the `lastIndex` an interrupted earlier scan left behind (one that
 * ran to its end left 0).
 */
export function firstMatch(re: RegExp, text: string): RegExpExecArray | null {
  re.lastIndex = 0;
  return re.exec(text);
}

/**
 * Builds a detector from a precompiled global regex, an optional cheap prefilter (skips the
 * scan when the text cannot contain a match) and an optional validator.
 */
export function regexDetector(
  category: Category,
  regex: RegExp,
  options: {
    prefilter?: (text: string) => boolean;
    check?: CandidateCheck;
    /** After a rejected candidate, look again from its second character (for candidates that may start too early). */
    retryInside?: boolean;
  } = {},
): Detector {
  if (!regex.global) throw new Error(`detector ${category}: regex must be global`);
  const { prefilter, check, retryInside = false } = options;
  return {
    category,
    find(text: string): Match[] {
      if (prefilter && !prefilter(text)) return [];
      const out: Match[] = [];
      const re = regex;
      for (let m = firstMatch(re, text); m !== null; m = re.exec(text)) {
        if (m[0].length === 0) {
          re.lastIndex++;
          continue;
        }
        const verdict = check ? check(m, text) : true;
        if (verdict === false) {
          if (retryInside) re.lastIndex = m.index + 1;
          continue;
        }
        const [start, end] = verdict === true ? [m.index, m.index + m[0].length] : verdict;
        out.push({ category, start, end, value: text.slice(start, end) });
      }
      return out;
    },
  };
}

/**
 * Builds a detector from a sticky regex whose matches can only start where a run of digits starts (its lookbehind
 * forbids a digit before it), or `lead` characters before one (an IBAN's country code): the regex is tried there for
 * the runs `mayStart` accepts (a cheap test on the runs, which must hold for every match), skipping runs inside the
 * previous match (with `retryInside`, only inside a match that `check` kept), which is what a scan of the whole text
 * finds.
 */
export function digitRunDetector(
  category: Category,
  regex: RegExp,
  mayStart: (text: string, runs: readonly number[], k: number) => boolean,
  check?: CandidateCheck,
  { lead = 0, retryInside = false }: { lead?: number; retryInside?: boolean } = {},
): Detector {
  if (!regex.sticky) throw new Error(`detector ${category}: regex must be sticky`);
  return {
    category,
    find(text: string): Match[] {
      const out: Match[] = [];
      const runs = digitRuns(text);
      let after = 0;
      for (let k = 0; k < runs.length; k += 2) {
        const at = runs[k] - lead;
        if (at < after || !mayStart(text, runs, k)) continue;
        regex.lastIndex = at;
        const m = regex.exec(text);
        if (m === null) continue;
        if (!retryInside) after = at + m[0].length;
        const verdict = check ? check(m, text) : true;
        if (verdict === false) continue;
        if (retryInside) after = at + m[0].length;
        const [start, end] = verdict === true ? [m.index, at + m[0].length] : verdict;
        out.push({ category, start, end, value: text.slice(start, end) });
      }
      return out;
    },
  };
}

/** Luhn (mod 10) check over a string of digits. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** ISO 13616 mod-97 check of an IBAN written without spaces (upper case). */
export function ibanChecksumValid(iban: string): boolean {
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (let i = 0; i < rearranged.length; i++) {
    const c = rearranged.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      remainder = (remainder * 10 + (c - 48)) % 97;
    } else if (c >= 65 && c <= 90) {
      remainder = (remainder * 100 + (c - 55)) % 97;
    } else {
      return false;
    }
  }
  return remainder === 1;
}

/**
 * Calls `visit(start, end)` once for each maximal run of `inRun` characters that contains one of the `anchors`
 * (`:` for IPv6, `:`, `-` or `.` for MAC). A pattern whose lookbehind forbids every run character can only match at
 * the start of such a run, so a sticky regex tried there finds what a scan of the whole text would, without trying
 * every position of the text. Linear: every character is looked at a bounded number of times.
 */
export function forEachAnchoredRun(
  text: string,
  anchors: RegExp,
  inRun: (code: number) => boolean,
  visit: (start: number, end: number) => void,
): void {
  if (!anchors.global) throw new Error('forEachAnchoredRun: anchors must be global');
  anchors.lastIndex = 0;
  for (let a = anchors.exec(text); a !== null; a = anchors.exec(text)) {
    let start = a.index;
    while (start > 0 && inRun(text.charCodeAt(start - 1))) start--;
    let end = a.index + 1;
    while (end < text.length && inRun(text.charCodeAt(end))) end++;
    visit(start, end);
    anchors.lastIndex = end;
  }
}

/** `[A-Za-z0-9_]`, the `\w` of a regex without the `u` flag. */
export function isWordCode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

/** JavaScript's `\s` for a character code, ASCII decided without a regex. */
export const isSpace = (c: number): boolean =>
  c === 32 || (c >= 9 && c <= 13) || (c >= 160 && SPACE.test(String.fromCharCode(c)));
const SPACE = /\s/;

const DIGIT_RUN = /\d+/g;
const isDigitCode = (c: number): boolean => c >= 48 && c <= 57;
let runsOf: string | undefined;
let runs: number[] = [];

/**
 * The runs of digits in `text` as `[start0, end0, start1, end1, …]`, found by one regex scan and kept for the last
 * text asked about: the detectors of one `detect` call share it (they run one after the other on the same text, and
 * a regex scan is cheaper than a loop over its characters). The array is shared: do not change it.
 */
export function digitRuns(text: string): readonly number[] {
  if (text === runsOf) return runs;
  const out: number[] = [];
  DIGIT_RUN.lastIndex = 0;
  // `test` builds no match object: a run ends at lastIndex and starts after the last non-digit before it.
  while (DIGIT_RUN.test(text)) {
    const end = DIGIT_RUN.lastIndex;
    let start = end - 1;
    while (start > 0 && isDigitCode(text.charCodeAt(start - 1))) start--;
    out.push(start, end);
  }
  runsOf = text;
  runs = out;
  return out;
}

/** Where a key or a label ends in prose: the colons, and ` is` before a space, a colon or a tab. */
export interface Separators {
  colons: readonly number[];
  /** The offsets of the space before `is`. */
  is: readonly number[];
}
// (` ist` too would double the scan's cost: 0.24 -> 0.5 µs/KB.)
const IS_WORD = / is[ :\t]/g;
let separatorsOf: string | undefined;
let separators: Separators = { colons: [], is: [] };

/**
 * The separators of `text` (see `Separators`), kept for the last text asked about, as `digitRuns` is: the credential
 * recognizer reads a key back from each, the name recognizer a `my name is`. A scan for their words costs far more.
 */
export function proseSeparators(text: string): Separators {
  if (text === separatorsOf) return separators;
  const colons: number[] = [];
  for (let p = text.indexOf(':'); p !== -1; p = text.indexOf(':', p + 1)) colons.push(p);
  const is: number[] = [];
  IS_WORD.lastIndex = 0;
  while (IS_WORD.test(text)) is.push(IS_WORD.lastIndex - 4);
  separatorsOf = text;
  separators = { colons, is };
  return separators;
}

/**
 * Drops the kept digit runs and separators and the reference to their text (`detect` calls it when done, so no
 * prompt stays in memory).
 */
export function forgetDigitRuns(): void {
  runsOf = undefined;
  runs = [];
  separatorsOf = undefined;
  separators = { colons: [], is: [] };
}

/**
 * Merged ranges from `before` characters before to `after` characters after each run of digits (clipped to the
 * text), with the number of digits in each. Recognizers whose matches all contain a digit run their patterns only
 * inside these ranges, and check the characters around a match against the whole text, since a range may start or
 * end inside a word.
 */
export function digitRanges(text: string, before: number, after: number): [from: number, to: number, digits: number][] {
  const out: [number, number, number][] = [];
  const all = digitRuns(text);
  for (let k = 0; k < all.length; k += 2) {
    const from = Math.max(0, all[k] - before);
    const to = Math.min(text.length, all[k + 1] + after);
    const last = out[out.length - 1];
    if (last && from <= last[1]) {
      last[1] = to;
      last[2] += all[k + 1] - all[k];
    } else out.push([from, to, all[k + 1] - all[k]]);
  }
  return out;
}

/**
 * A filter in front of a word list: one bit per (first character, last character, length) of its words, so that most
 * words that are not in the list are told apart by three character reads instead of cutting and hashing them.
 * Characters are taken modulo 32 and lengths capped at 31 (a 4 KB table, cheap to build per call), so a set bit means
 * "maybe".
 */
export class WordShapes {
  private readonly bits = new Uint8Array((32 * 32 * 32) / 8);

  constructor(words: Iterable<string>) {
    for (const w of words) if (w.length > 0) this.set(w.charCodeAt(0), w.charCodeAt(w.length - 1), w.length);
  }

  private set(first: number, last: number, length: number): void {
    const k = this.key(first, last, length);
    this.bits[k >> 3] |= 1 << (k & 7);
  }

  private key(first: number, last: number, length: number): number {
    return ((first & 31) << 10) | ((last & 31) << 5) | Math.min(length, 31);
  }

  /** False if the lower-cased word `source.slice(start, end)` is surely not in the list. */
  mayHave(source: string, start: number, end: number): boolean {
    return end > start && this.mayHaveShape(source.charCodeAt(start), source.charCodeAt(end - 1), end - start);
  }

  /** False if no word of the list has this first and last character (in lower case) and length. */
  mayHaveShape(first: number, last: number, length: number): boolean {
    const k = this.key(first, last, length);
    return (this.bits[k >> 3] & (1 << (k & 7))) !== 0;
  }
}

const START_OF_TEXT = /^/;

/**
 * Flattens `text` in place if V8 holds it as a rope (a string built with `+` or `repeat`): a regex run flattens its
 * subject once, in linear time, while `charCodeAt` on a rope walks the rope on every call. Recognizers that read
 * characters one by one call this first.
 */
export function flatten(text: string): string {
  START_OF_TEXT.test(text);
  return text;
}

// eslint-disable-next-line no-control-regex -- the range starts at U+0000 on purpose: anything beyond Latin-1
const BEYOND_LATIN1 = /[^\u0000-\u00ff]/;

/**
 * A scan of a whole text with `re`, fast in both of V8's string representations. A text with a character beyond
 * Latin-1 (one typographic apostrophe `’` is enough) is stored with two bytes a character, and there a Unicode
 * property class (`\p{Lu}`, `\p{L}`) is tested by a search over hundreds of ranges at every position: 5-15x slower
 * than in a one-byte text. Such texts are scanned with `re` led by `lead`, cheap tests on ASCII that every match of
 * `re` passes (a lookbehind and a lookahead), so the costly classes are tested only where a match can start. The two
 * regexes find the same matches; the test costs nothing on a one-byte text (irregexp knows it cannot match there).
 */
export function scanFor(re: RegExp, lead: string): (text: string) => RegExp {
  if (!re.global || !re.unicode) throw new Error('scanFor: the regex must be global and unicode');
  const led = new RegExp(lead + re.source, re.flags);
  return (text) => (isTwoByte(text) ? led : re);
}

/** True if V8 stores `text` with two bytes a character (it holds a character beyond Latin-1). */
export function isTwoByte(text: string): boolean {
  return BEYOND_LATIN1.test(text);
}

// What a character beyond Latin-1 stands for in `latin1StandIn`, by its first class in this list: a non-ASCII Latin-1
// character of the same classes (`ª` is a letter neither upper nor lower case, `²` a number that is not a digit, U+00A0
// a space, `×` in no class), and `'` for `’`.
const STAND_IN_BY_CLASS: readonly [RegExp, number][] = [
  [/\p{Lu}/u, 0xc0], // À
  [/\p{Ll}/u, 0xe0], // à
  [/\p{L}/u, 0xaa],
  [/\p{N}/u, 0xb2],
  [/’/u, 0x27],
  [/\s/u, 0xa0],
  [/[^]/u, 0xd7],
];
// Looked up once per character (0: not yet, 1: none: a surrogate or a combining mark).
const STAND_INS = new Uint8Array(65536);
const NO_STAND_IN = 1;
function standInFor(c: number): number {
  if (STAND_INS[c] === 0) {
    const ch = String.fromCharCode(c);
    const none = (c >= 0xd800 && c <= 0xdfff) || /\p{M}/u.test(ch);
    STAND_INS[c] = none ? NO_STAND_IN : (STAND_IN_BY_CLASS.find(([re]) => re.test(ch)) as [RegExp, number])[1];
  }
  return STAND_INS[c];
}
// eslint-disable-next-line no-control-regex -- the range starts at U+0000 on purpose: anything beyond Latin-1
const BEYOND_LATIN1_RUN = /[^\u0000-\u00ff]+/g;

/**
 * A one-byte copy of a two-byte `text` for a regex scan, or undefined if `text` holds a combining mark or a character
 * beyond the Basic Multilingual Plane. Each character beyond Latin-1 becomes a non-ASCII Latin-1 one of the same
 * classes among `\p{L}`, `\p{Lu}`, `\p{Ll}`, `\p{N}` and `\s` (`Д` -> `À`, `ж` -> `à`, `東` -> `ª`, `—` -> `×`), and
 * `’` becomes `'`: a regex that asks only about these classes (not `\p{Lo}` or `\p{M}`), about ASCII characters, and
 * about the two apostrophes alike finds in the copy the matches it finds in `text`, at the same offsets, with the fast
 * one-byte code (see `scanFor`). Cut matches from `text`.
 */
export function latin1StandIn(text: string): string | undefined {
  const copy = Buffer.from(text, 'latin1'); // characters beyond Latin-1 are patched below
  BEYOND_LATIN1_RUN.lastIndex = 0;
  while (BEYOND_LATIN1_RUN.test(text)) {
    for (let i = BEYOND_LATIN1_RUN.lastIndex - 1; i >= 0; i--) {
      const c = text.charCodeAt(i);
      if (c < 256) break;
      const s = standInFor(c);
      if (s === NO_STAND_IN) return undefined;
      copy[i] = s;
    }
  }
  return copy.toString('latin1');
}

/**
 * `text.slice(from, to)`, to be scanned with regexes. A slice of a two-byte text is stored with two bytes a character
 * even when it holds only Latin-1 characters (V8 keeps a view into the text); such a slice is copied into a one-byte
 * string, where Unicode classes are fast. `twoByte` is `isTwoByte(text)`, asked once per text.
 */
export function sliceForScan(text: string, from: number, to: number, twoByte: boolean): string {
  const slice = text.slice(from, to);
  return twoByte && !isTwoByte(slice) ? Buffer.from(slice, 'latin1').toString('latin1') : slice;
}

/**
 * `kept` (sorted by start) and those of `extra` (sorted here, in place) that overlap neither `kept` nor an earlier
 * extra, in text order: one pass, where looking through `kept` for each extra would be quadratic.
 */
export function mergeOutside(kept: Match[], extra: Match[]): Match[] {
  if (extra.length === 0) return kept;
  extra.sort((a, b) => a.start - b.start);
  const out: Match[] = [];
  let k = 0;
  let lastExtraEnd = -1;
  for (const m of extra) {
    while (k < kept.length && kept[k].end <= m.start) out.push(kept[k++]);
    if (m.start < lastExtraEnd || (k < kept.length && kept[k].start < m.end)) continue;
    out.push(m);
    lastExtraEnd = m.end;
  }
  while (k < kept.length) out.push(kept[k++]);
  return out;
}
