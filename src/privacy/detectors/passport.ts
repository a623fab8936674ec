// Passport-number recognizer: a 6-9 character document number right after a passport cue in one of eight languages.

import type { Detector, Match } from '../types.js';
import { firstMatch, scanFor } from './util.js';

const CUE =
  /(?:^|[^\p{L}])(?:passport|reisepass|passnummer|pass-nr\.?|passeport|pasaporte|passaporto|paspoort|passi)(?:[\s\-]?(?:number|no\.?|nr\.?|nummer|numéro|número|numero|#))?(?:\s(?:is|ist|est|es|è|de|du|di))?[\s:#=]*/giu;
// In a text with characters beyond Latin-1: the start or a character that is no ASCII letter, then the cue's first
// letter.
const cueScan = scanFor(CUE, String.raw`(?:^(?=[PpRr])|(?=[^A-Za-z][PpRr]))`);
// 6 to 9 capital letters and digits, at least three of them digits (passport numbers of the EU, UK and US).
const NUMBER = /(?=(?:[A-Z]*\d){3})[A-Z0-9]{6,9}(?![\p{L}\p{N}])/uy;

/** Finds passport numbers written right after a cue (`passport number 533380006`, `Reisepass C01X00T47`). */
export const passportDetector: Detector = {
  category: 'passport',
  find(text: string): Match[] {
    if (!/pas/i.test(text)) return [];
    const out: Match[] = [];
    const cues = cueScan(text);
    for (let c = firstMatch(cues, text); c !== null; c = cues.exec(text)) {
      const at = c.index + c[0].length;
      NUMBER.lastIndex = at;
      const m = NUMBER.exec(text);
      if (!m) continue;
      out.push({ category: 'passport', start: at, end: at + m[0].length, value: m[0], score: 0.85 });
    }
    return out;
  },
};
