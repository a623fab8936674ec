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

/** The lower-cased text of up to `n` characters before `index`. */
export function textBefore(text: string, index: number, n: number): string {
  return text.slice(Math.max(0, index - n), index).toLowerCase();
}
