// Texts with a character beyond Latin-1 (one typographic apostrophe is enough) are stored by V8 with two bytes a
// character. The recognizers scan them with regexes led by cheap ASCII tests and cut one-byte windows out of them
// (detectors/util.ts, `scanFor` and `sliceForScan`), because Unicode classes are several times slower there: what they
// find must not change.

import { describe, expect, it } from 'vitest';
import { DETECTORS, detect } from '../../src/privacy/detectors/index.js';
import { latin1StandIn } from '../../src/privacy/detectors/util.js';
import { createPrivacyFilter } from '../../src/privacy/privacy-filter.js';
import { loadEvalCases } from './eval/score.js';

// After a blank line no recognizer's match reaches: the findings before it stay where they were.
const SUFFIX = '\n\n—';
const pairs = (m: { category: string; value: string }[]): string[][] => m.map((x) => [x.category, x.value]);

describe('texts stored with two bytes a character', () => {
  it('every recognizer finds in each evaluation sentence, made two-byte, what it finds in the sentence', () => {
    const cases = loadEvalCases();
    expect(cases.length).toBeGreaterThan(3000);
    let findings = 0;
    for (const { id, text } of cases) {
      const wide = text + SUFFIX;
      for (const [category, detector] of Object.entries(DETECTORS)) {
        const expected = detector.find(text);
        findings += expected.length;
        expect(detector.find(wide), `${category} in ${id}`).toEqual(expected);
      }
    }
    expect(findings).toBeGreaterThan(2000);
  });

  it('the filter writes the same placeholders into a two-byte prompt', () => {
    const filter = createPrivacyFilter();
    const prompt = loadEvalCases()
      .filter((c) => c.kind === 'positive')
      .slice(0, 200)
      .map((c) => c.text)
      .join(' ');
    const one = filter.protect([{ role: 'user', content: prompt }]);
    const two = filter.protect([{ role: 'user', content: prompt + SUFFIX }]);
    expect(two.messages[0].content).toBe(one.messages[0].content + SUFFIX);
    expect(two.mapping).toEqual(one.mapping);
    expect(Object.keys(one.mapping).length).toBeGreaterThan(100);
  });

  it('names, streets and cues that start with a capital beyond Latin-1 or hold one are found', () => {
    expect(pairs(detect('My name is Дмитрий Иванов and I live at Via Roma 10.'))).toEqual([
      ['person', 'Дмитрий Иванов'],
      ['address', 'Via Roma 10'],
    ]);
    expect(pairs(detect('Dear Łukasz Wróbel, your passport number 533380006 is ready.'))).toEqual([
      ['person', 'Łukasz Wróbel'],
      ['passport', '533380006'],
    ]);
    expect(pairs(detect('Mr O’Brien met them at 42 Baker Street.'))).toEqual([
      ['person', 'O’Brien'],
      ['address', '42 Baker Street'],
    ]);
    expect(pairs(detect('I live at Østre Eikehagen 1 — call me.'))).toEqual([['address', 'Østre Eikehagen 1']]);
    expect(pairs(detect('Abito in via Roma 10 – grazie.'))).toEqual([['address', 'via Roma 10']]);
    expect(pairs(detect('Ik woon op van der Heijdenweg 206 — bel me.'))).toEqual([
      ['address', 'van der Heijdenweg 206'],
    ]);
    expect(pairs(detect('Ich wohne in der Hauptstraße 5 – danke. Reisepass C01X00T47'))).toEqual([
      ['address', 'Hauptstraße 5'],
      ['passport', 'C01X00T47'],
    ]);
  });

  it("a two-byte text's one-byte stand-in keeps every character's classes and offset", () => {
    // Every character of the Basic Multilingual Plane beyond Latin-1 that has a stand-in (not a surrogate nor a mark).
    const classes = [/\p{L}/u, /\p{Lu}/u, /\p{Ll}/u, /\p{N}/u, /['’]/u, /[\p{L}\p{N}_@/\\$#.\-]/u, /\s/u];
    const classesOf = (ch: string): boolean[] => classes.map((re) => re.test(ch));
    let checked = 0;
    for (let c = 0x100; c <= 0xffff; c++) {
      const ch = String.fromCharCode(c);
      const standIn = latin1StandIn(`x${ch}`);
      if ((c >= 0xd800 && c <= 0xdfff) || /\p{M}/u.test(ch)) {
        expect(standIn, ch).toBeUndefined();
        continue;
      }
      expect(standIn?.length, ch).toBe(2);
      const code = standIn?.charCodeAt(1) ?? 0;
      // Not ASCII, which a pattern's letters could match (`Ma?c`), except the apostrophe.
      expect(code >= 0x80 && code < 0x100, ch).toBe(c !== 0x2019);
      expect(classesOf(standIn?.[1] ?? ''), `U+${c.toString(16)}`).toEqual(classesOf(ch));
      checked++;
    }
    expect(checked).toBeGreaterThan(60000);
    expect(latin1StandIn('Дмитрий O’Brien — 東京')).toBe("Ààààààà O'Brien × ªª");
  });
});
