// The cells of a table written as text (CSV, TSV, a psql or Markdown table: what a database tool returns), each data
// cell labelled with its column's header, so that values which are personal data only after a label are found.

import { rewriteChanged, type Leaves } from './json-leaves.js';

/** Delimiters tried, in order: tab, pipe (psql, Markdown), comma, semicolon. */
const DELIMITERS = ['\t', '|', ',', ';'];
/** A rule under the header: `---+---`, `|---|:--:|`, `===`. */
const RULE = /^[\s\-+|:=]+$/;
/** What a rule line starts with: `-`, `+`, `|`, `:` or `=` (a cheap test before RULE). */
const RULE_START = new Set([45, 43, 124, 58, 61]);
const MAX_COLUMNS = 64;
/** A column's name: at most four words of letters, digits, `_`, `-` or `.`, the first starting with a letter. */
const HEADER_CELL = /^\p{L}[\p{L}\p{N}_\-.]*(?: [\p{L}\p{N}_\-.]+){0,3}$/u;

interface Line {
  start: number;
  end: number;
}

/** Where each cell of a line lies, trimmed (a pipe table's empty edge cells, `| a | b |`, left out). */
function cellsOf(text: string, line: Line, delimiter: string): Line[] {
  const row = text.slice(line.start, line.end); // searched alone, so a delimiter further on is never looked for here
  const cells: Line[] = [];
  let from = 0;
  for (;;) {
    const at = row.indexOf(delimiter, from);
    const to = at < 0 ? row.length : at;
    let s = from;
    let e = to;
    while (s < e && isSpace(row.charCodeAt(s))) s++;
    while (e > s && isSpace(row.charCodeAt(e - 1))) e--;
    cells.push({ start: line.start + s, end: line.start + e });
    if (at < 0) break;
    from = at + 1;
  }
  if (delimiter === '|') {
    if (cells.length > 1 && cells[0].start === cells[0].end) cells.shift();
    if (cells.length > 1 && cells[cells.length - 1].start === cells[cells.length - 1].end) cells.pop();
  }
  return cells;
}

const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 160;

function linesOf(text: string): Line[] {
  const lines: Line[] = [];
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl;
    lines.push({ start, end: end > start && text[end - 1] === '\r' ? end - 1 : end });
    if (nl < 0) return lines;
    start = nl + 1;
  }
}

/**
 * Per line, how many of each delimiter it holds (four counts a line). Each delimiter is looked for with indexOf,
 * which is native and so several times faster than reading the text a character at a time in JavaScript.
 */
function delimiterCounts(text: string, lines: readonly Line[]): Uint16Array {
  const counts = new Uint16Array(lines.length * 4);
  DELIMITERS.forEach((delimiter, d) => {
    let l = 0;
    for (let at = text.indexOf(delimiter); at >= 0; at = text.indexOf(delimiter, at + 1)) {
      while (lines[l].end < at) l++;
      if (counts[l * 4 + d] < 65535) counts[l * 4 + d]++;
    }
  });
  return counts;
}

interface Table {
  /** The cells of each row, the header's first. */
  rows: Line[][];
  /** Each column's label. */
  labels: string[];
}

/** The tables of `text`, in order (only the first with `first`). */
function findTables(text: string, labelPrefix: (key: string) => string, first = false): Table[] {
  const tables: Table[] = [];
  const lines = linesOf(text);
  const counts = delimiterCounts(text, lines);
  const isRule = (l: number): boolean =>
    l < lines.length &&
    RULE_START.has(text.charCodeAt(lines[l].start)) &&
    RULE.test(text.slice(lines[l].start, lines[l].end));
  for (let h = 0; h + 1 < lines.length; h++) {
    if ((counts[h * 4] | counts[h * 4 + 1] | counts[h * 4 + 2] | counts[h * 4 + 3]) === 0) continue;
    for (let d = 0; d < DELIMITERS.length; d++) {
      // Cheap first: the next line (or the one after a rule) holds as many of the delimiter.
      const n = counts[h * 4 + d];
      if (n === 0) continue;
      const next =
        counts[(h + 1) * 4 + d] === n || (isRule(h + 1) && h + 2 < lines.length && counts[(h + 2) * 4 + d] === n);
      if (!next) continue;
      const delimiter = DELIMITERS[d];
      const header = cellsOf(text, lines[h], delimiter);
      if (header.length < 2 || header.length > MAX_COLUMNS) continue;
      // A header is a name in every cell (`first_name`, `Date of birth`, `SSN`); prose with commas is not.
      if (header.some((c) => c.end - c.start > 48 || !HEADER_CELL.test(text.slice(c.start, c.end)))) continue;
      const labels = header.map((c) => labelPrefix(text.slice(c.start, c.end)));
      const rows: Line[][] = [header];
      let r = h + 1;
      for (; r < lines.length; r++) {
        if (lines[r].start !== lines[r].end && isRule(r)) continue;
        const cells = cellsOf(text, lines[r], delimiter);
        if (cells.length !== header.length) break;
        rows.push(cells);
      }
      if (rows.length > 1) {
        tables.push({ rows, labels });
        if (first) return tables;
        h = r - 1; // the next table starts after this one's last row
        break;
      }
    }
  }
  return tables;
}

/** True if `text` holds a table (see `tableLeaves`). */
export function holdsTable(text: string): boolean {
  return text.indexOf('\n') >= 0 && findTables(text, () => '', true).length > 0;
}

/**
 * The leaves of a text holding tables: the text around them, and their cells (header cells bare, data cells after
 * their column's label), with the text rebuilt from their protected versions. Undefined when the text holds no table:
 * a header line whose cells are all words, then at least one line with as many cells.
 */
export function tableLeaves(text: string, labelPrefix: (key: string) => string): Leaves | undefined {
  if (text.indexOf('\n') < 0) return undefined;
  const tables = findTables(text, labelPrefix);
  if (tables.length === 0) return undefined;
  const bounds: number[] = [0];
  const prefixes: string[] = [''];
  for (const table of tables) {
    // The text before the table (since the one before it) ends where its header starts.
    bounds.push(table.rows[0][0].start);
    table.rows.forEach((cells, r) =>
      cells.forEach((cell, c) => {
        if (cell.start === cell.end) return;
        bounds.push(cell.start, cell.end);
        prefixes.push(r === 0 ? '' : table.labels[c]);
      }),
    );
    const lastRow = table.rows[table.rows.length - 1];
    bounds.push(lastRow[lastRow.length - 1].end);
    prefixes.push('');
  }
  bounds.push(text.length);
  const values = prefixes.map((_, k) => text.slice(bounds[2 * k], bounds[2 * k + 1]));
  const rebuild = (protectedValues: readonly string[]): string => rewriteChanged(text, bounds, values, protectedValues);
  return { values, prefixes, rebuild };
}
