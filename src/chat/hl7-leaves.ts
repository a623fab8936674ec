// The segments of an HL7 version 2 message (what hospital systems exchange: `MSH|^~\&|…`, `PID|1||…`), the parts of
// the fields that hold a person's name, address, date of birth or SSN each labelled with their meaning, so that a
// value which is personal data only by its place (`19850314`, `Whitfield^Jonathan`) is found.

import type { LabelledSpan } from './span-leaves.js';

// The components of a name (XPN: family^given^middle^…), an address (XAD: street^other^city^state^postcode^country),
// a clinician (XCN: id^family^given^…), a date and time (TS: YYYYMMDD[HHMM[SS]]) and a plain identifier.
const XPN = ['family name', 'given name', 'middle name'];
const XAD = ['street', 'street', 'city', 'state', 'zip code', 'country'];
const XCN = ['', 'family name', 'given name', 'middle name'];
const BIRTH = ['date of birth'];
const SSN = ['ssn'];

/** By segment and field number, the labels of the components. */
const FIELDS: Readonly<Record<string, Readonly<Record<number, readonly string[]>>>> = {
  PID: { 5: XPN, 6: XPN, 7: BIRTH, 9: XPN, 11: XAD, 19: SSN },
  NK1: { 2: XPN, 4: XAD },
  GT1: { 3: XPN, 5: XAD, 8: BIRTH, 12: SSN },
  IN1: { 16: XPN, 18: BIRTH, 19: XAD },
  PV1: { 7: XCN, 8: XCN, 9: XCN, 17: XCN },
};

/** A message header: `MSH`, the field separator, the encoding characters (`^~\&`, v2.7 adds `#`), the separator. */
const HEADER = /(?:^|[\r\n])MSH([^\w\s])([^\w\s]{4,5})\1/;

/** True if `text` holds an HL7 version 2 message (see `hl7Leaves`). */
export function holdsHl7(text: string): boolean {
  return text.includes('MSH') && HEADER.test(text);
}

/**
 * The labelled spans of a text holding an HL7 version 2 message: the components of the fields that hold personal data
 * (a patient's, a relative's, a guarantor's, an insured's name, address, date of birth and SSN; the clinicians' names),
 * each after its meaning as a label, and the text around them unlabelled. Segments end at `\r` (the standard), `\n` or
 * both. None when the text holds no message header.
 */
export function hl7Spans(text: string, labelPrefix: (key: string) => string): LabelledSpan[] {
  const header = text.includes('MSH') ? HEADER.exec(text) : null;
  if (header === null) return [];
  const field = header[1];
  const component = header[2][0];
  const repetition = header[2][1];
  const spans: LabelledSpan[] = [];
  for (let start = 0; start < text.length;) {
    let end = start;
    while (end < text.length && text[end] !== '\r' && text[end] !== '\n') end++;
    const fields = FIELDS[text.slice(start, start + 3)];
    if (fields !== undefined && text[start + 3] === field) {
      let number = 0;
      eachPart(text, start + 4, end, field, (fieldStart, fieldEnd) => {
        const labels = fields[++number];
        if (labels === undefined) return;
        eachPart(text, fieldStart, fieldEnd, repetition, (repStart, repEnd) => {
          let c = 0;
          eachPart(text, repStart, repEnd, component, (partStart, partEnd) => {
            const key = labels[c++] ?? '';
            // A birth date's time of day is not part of the date: `198503141230`.
            const to =
              key === 'date of birth' && /^\d{9,}$/.test(text.slice(partStart, partEnd)) ? partStart + 8 : partEnd;
            if (key !== '' && to > partStart) spans.push({ start: partStart, end: to, prefix: labelPrefix(key) });
          });
        });
      });
    }
    start = end + 1;
  }
  return spans;
}

/** Calls `each` with the bounds of every part of `text` from `start` to `end` separated by `separator`. */
function eachPart(
  text: string,
  start: number,
  end: number,
  separator: string,
  each: (start: number, end: number) => void,
): void {
  for (let at = start; ;) {
    let stop = text.indexOf(separator, at);
    if (stop === -1 || stop > end) stop = end;
    each(at, stop);
    if (stop === end) return;
    at = stop + 1;
  }
}
