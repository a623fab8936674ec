// The values of SQL INSERT statements that name their columns (`INSERT INTO customers (first_name, dob, ssn) VALUES
// ('Maria', '1985-03-14', '123456789')`), each after its column's name as a label, so that values which are personal
// data only by their column are found.

import { isSpace, type LabelledSpan } from './span-leaves.js';

const INSERT_INTO = /\binsert\s+(?:(?:ignore|or\s+[a-z]+)\s+)?into\s+/gi;
/** A name: bare, or quoted as standard SQL, MySQL or SQL Server quote them. */
const NAME = /(?:[\p{L}_][\p{L}\p{N}_$]*|"[^"\n]{1,128}"|`[^`\n]{1,128}`|\[[^\]\n]{1,128}\])/uy;
const QUALIFIED_NAME = new RegExp(String.raw`${NAME.source}(?:\s*\.\s*${NAME.source})*`, 'uy');
const SPACE = /\s*/y;
const VALUES = /values?\s*(?=\()/iy;
/** A number, the whole of a value. */
const NUMBER = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?$/i;
/**
 * A string literal, the whole of a value: a prefix (`N'…'`, `E'…'`, `DATE '…'`), the text between quotes (`''` in
 * it), a cast after (`'…'::date`).
 */
const STRING = /^(?:[a-z]+\s*)?'((?:[^'\\]|''|\\[\s\S])*)'(?:\s*::\s*[a-z][\w ]*)?$/is;
const MAX_COLUMNS = 256;

/** True if `text` may hold an INSERT statement (see `sqlInsertLeaves`): a cheap test first. */
export function holdsSqlInsert(text: string): boolean {
  if (!text.includes('nsert') && !text.includes('NSERT')) return false;
  INSERT_INTO.lastIndex = 0;
  return INSERT_INTO.test(text);
}

/**
 * The labelled spans of a text holding INSERT statements with a column list: each string or number value of a row after
 * its column's name as a label (`dob = 1985-03-14`), the rest of the text unlabelled. A row whose values do not match
 * the columns in number, and values that are expressions (`NULL`, `now()`), get no label.
 */
export function sqlInsertSpans(text: string, labelPrefix: (key: string) => string): LabelledSpan[] {
  if (!holdsSqlInsert(text)) return [];
  const spans: LabelledSpan[] = [];
  INSERT_INTO.lastIndex = 0;
  for (let m = INSERT_INTO.exec(text); m !== null; m = INSERT_INTO.exec(text)) {
    const end = statement(text, INSERT_INTO.lastIndex, labelPrefix, spans);
    INSERT_INTO.lastIndex = Math.max(INSERT_INTO.lastIndex, end);
  }
  return spans;
}

/** Reads one statement from after `INTO`, adding its labelled values to `spans`; returns where it stopped. */
function statement(text: string, at: number, labelPrefix: (key: string) => string, spans: LabelledSpan[]): number {
  at = sticky(QUALIFIED_NAME, text, at);
  if (at < 0) return 0;
  at = sticky(SPACE, text, at);
  if (text[at] !== '(') return at;
  const columns: string[] = [];
  for (at++; ;) {
    at = sticky(SPACE, text, at);
    const from = at;
    at = sticky(NAME, text, at);
    if (at < 0 || columns.length === MAX_COLUMNS) return from;
    columns.push(unquote(text.slice(from, at)));
    at = sticky(SPACE, text, at);
    if (text[at] === ')') break;
    if (text[at] !== ',') return at;
    at++;
  }
  at = sticky(SPACE, text, at + 1);
  at = sticky(VALUES, text, at);
  if (at < 0) return 0;
  const labels = columns.map(labelPrefix);
  for (;;) {
    // One row: its values, each up to the next comma or closing parenthesis outside quotes and parentheses. A row
    // with more or fewer values than columns is dropped.
    const rowStart = spans.length;
    let count = 0;
    for (at++; ; at++) {
      const valueEnd = endOfValue(text, at);
      if (valueEnd < 0) {
        spans.length = rowStart;
        return text.length;
      }
      const prefix = labels[count++] ?? '';
      const span = prefix === '' ? undefined : literal(text, at, valueEnd, prefix);
      if (span !== undefined) spans.push(span);
      at = valueEnd;
      if (text[at] === ')') break;
    }
    if (count !== labels.length) spans.length = rowStart;
    at = sticky(SPACE, text, at + 1);
    if (text[at] !== ',') return at;
    at = sticky(SPACE, text, at + 1);
    if (text[at] !== '(') return at;
  }
}

/** Where `re` (sticky) matching at `at` ends, or -1. */
function sticky(re: RegExp, text: string, at: number): number {
  re.lastIndex = at;
  return re.test(text) ? re.lastIndex : -1;
}

const unquote = (name: string): string => (/^["`[]/.test(name) ? name.slice(1, -1) : name);

/** The index of the `,` or `)` that ends the value starting at `at` (quotes and nested parentheses skipped), or -1. */
function endOfValue(text: string, at: number): number {
  let depth = 0;
  for (let i = at; i < text.length; i++) {
    const c = text[i];
    if (c === "'") {
      for (i++; i < text.length; i++) {
        if (text[i] === '\\') i++;
        else if (text[i] === "'") {
          if (text[i + 1] !== "'") break;
          i++;
        }
      }
    } else if (c === '(') depth++;
    else if (c === ')') {
      if (depth === 0) return i;
      depth--;
    } else if (c === ',' && depth === 0) return i;
  }
  return -1;
}

/** The span of a value's number, or of the text between a string's quotes; undefined for an expression. */
function literal(text: string, from: number, to: number, prefix: string): LabelledSpan | undefined {
  while (from < to && isSpace(text.charCodeAt(from))) from++;
  while (to > from && isSpace(text.charCodeAt(to - 1))) to--;
  const value = text.slice(from, to);
  if (NUMBER.test(value)) return { start: from, end: to, prefix };
  const string = STRING.exec(value);
  if (string === null || string[1] === '') return undefined;
  const start = from + value.indexOf("'") + 1;
  const body = string[1];
  if (!body.includes("''")) return { start, end: start + body.length, prefix };
  const decoded = { value: body.replaceAll("''", "'"), write: (v: string) => v.replaceAll("'", "''") };
  return { start, end: start + body.length, prefix, decoded };
}
