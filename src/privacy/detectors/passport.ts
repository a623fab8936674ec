// Passport-number recognizer: a 6-9 character document number right after a passport cue in one of eight languages.

import type { Detector, Match } from '../types.js';

const CUE_AT =
  /(?:^|[^\p{L}])(?:passport|reisepass|passnummer|pass-nr\.?|passeport|pasaporte|passaporto|paspoort|passi)(?:[\s\-_]?(?:number|no\.?|nr\.?|nummer|numéro|número|numero|#))?(?:\s(?:is|ist|est|es|è|de|du|di))?[\s:#="']*/iuy;
// Every cue holds `pas` (`s` may be `ſ`, which CUE_AT's `/iu` reads as `s`): at the cue's start, or after `reise`.
const PAS = /pa[sſ]/gi;
const LONG_S = 0x17f;
// 6 to 9 capital letters and digits, at least three of them digits (passport numbers of the EU, UK and US).
const NUMBER = /(?=(?:[A-Z]*\d){3})[A-Z0-9]{6,9}(?![\p{L}\p{N}])/uy;

/**
 * Where a cue's match can start: one character before a cue (the non-letter CUE_AT asks for), or at the text's start.
 * Ascending, without repeats; empty when the text has no `pas` (with an `s`, as before this list existed).
 */
function cueStarts(text: string): number[] {
  const starts: number[] = [];
  let plainS = false;
  PAS.lastIndex = 0;
  for (let p = PAS.exec(text); p !== null; p = PAS.exec(text)) {
    const q = p.index;
    plainS ||= text.charCodeAt(q + 2) !== LONG_S;
    if (q >= 5) starts.push(Math.max(0, q - 6)); // reisepass
    starts.push(Math.max(0, q - 1));
  }
  if (!plainS) return [];
  return starts.sort((a, b) => a - b).filter((s, i) => i === 0 || s !== starts[i - 1]);
}

/**
 * Finds passport numbers written right after a cue (`passport number 533380006`, `Reisepass C01X00T47`). The cue
 * pattern is tried (sticky) only where a cue's match can start, leftmost first and never inside the previous match:
 * what a scan of the whole text finds, without a Unicode class tested at every position.
 */
export const passportDetector: Detector = {
  category: 'passport',
  find(text: string): Match[] {
    const out: Match[] = [];
    let after = 0;
    for (const start of cueStarts(text)) {
      if (start < after) continue;
      CUE_AT.lastIndex = start;
      const c = CUE_AT.exec(text);
      if (c === null) continue;
      const at = start + c[0].length;
      after = at;
      NUMBER.lastIndex = at;
      const m = NUMBER.exec(text);
      if (!m) continue;
      out.push({ category: 'passport', start: at, end: at + m[0].length, value: m[0], score: 0.85 });
    }
    return out;
  },
};
