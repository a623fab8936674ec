// The leaves of a text in which some spans are labelled (a field of an HL7 segment, a value of an SQL INSERT): those
// spans after their labels, and the text between them unlabelled, so that nothing escapes the guard.

import { rewriteChanged, type Leaves } from './json-leaves.js';

/** A span of the text and the label the guard writes before it. */
export interface LabelledSpan {
  start: number;
  end: number;
  prefix: string;
  /** What the guard sees, when the span's text is escaped (`O''Brien` in SQL is `O'Brien`); `write` escapes it back. */
  decoded?: { value: string; write: (value: string) => string };
}

/** The spans of several shapes of one text in text order; of two that overlap, the one that starts first. */
export function mergeSpans(...lists: readonly LabelledSpan[][]): LabelledSpan[] {
  const nonEmpty = lists.filter((list) => list.length > 0);
  if (nonEmpty.length < 2) return nonEmpty[0] ?? [];
  const all = nonEmpty.flat().sort((a, b) => a.start - b.start);
  const out: LabelledSpan[] = [];
  for (const span of all) if (out.length === 0 || span.start >= out[out.length - 1].end) out.push(span);
  return out;
}

/** The leaves of `text` around `spans` (in text order, not overlapping, not empty); undefined when there is none. */
export function spanLeaves(text: string, spans: readonly LabelledSpan[]): Leaves | undefined {
  const n = spans.length;
  if (n === 0) return undefined;
  // Span i is leaf 2i + 1, the text before it leaf 2i; filled by index (pushes cost several times more per leaf).
  const bounds = new Array<number>(4 * n + 2);
  const prefixes = new Array<string>(2 * n + 1);
  bounds[0] = 0;
  prefixes[0] = '';
  for (let i = 0; i < n; i++) {
    const { start, end, prefix } = spans[i];
    bounds[4 * i + 1] = bounds[4 * i + 2] = start;
    bounds[4 * i + 3] = bounds[4 * i + 4] = end;
    prefixes[2 * i + 1] = prefix;
    prefixes[2 * i + 2] = '';
  }
  bounds[4 * n + 1] = text.length;
  const raw = prefixes.map((_, k) => text.slice(bounds[2 * k], bounds[2 * k + 1]));
  const values = raw.map((v, k) => (k % 2 === 1 ? (spans[k >> 1].decoded?.value ?? v) : v));
  const rebuild = (protectedValues: readonly string[]): string => {
    const written = protectedValues.map((v, k) => {
      const decoded = k % 2 === 1 ? spans[k >> 1].decoded : undefined;
      return v === values[k] ? raw[k] : decoded ? decoded.write(v) : v;
    });
    return rewriteChanged(text, bounds, raw, written);
  };
  return { values, prefixes, rebuild };
}

/** A space or a line break (tab, LF, VT, FF, CR), as the structured shapes trim their values. */
export const isSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13);
