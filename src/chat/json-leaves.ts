// The leaves of a JSON text (tool-call arguments, JSON tool results): its strings, keys included, and numbers, found by
// a scan of the text so that everything else is kept as written.

// The kind of a scalar, as bits.
const STRING = 0;
const NUMBER = 1;
/** A string followed by `:`: an object's key. */
const KEY = 2;
/** A string with an escape (`\n`, `\u0040`): decoded by JSON.parse, where others are their text between quotes. */
const ESCAPED = 4;
/** A character of a JSON number after its first: a digit, `.`, `e`, `E`, `+` or `-`. */
const inNumber = (c: number): boolean =>
  (c >= 48 && c <= 57) || c === 46 || c === 101 || c === 69 || c === 43 || c === 45;
const isJsonSpace = (c: number): boolean => c === 32 || c === 10 || c === 13 || c === 9;

/**
 * The strings (keys and values) and numbers of a valid JSON text, as `[start, end, kind]` triples in text order: the
 * leaves that may hold personal data (a key can be an email address, a number a card number).
 */
function jsonScalars(text: string): number[] {
  const out: number[] = [];
  const n = text.length;
  for (let i = 0; i < n;) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      let j = i + 1;
      let kind = STRING;
      for (let d = text.charCodeAt(j); j < n && d !== 34; d = text.charCodeAt(j)) {
        if (d === 92) kind = ESCAPED;
        j += d === 92 ? 2 : 1;
      }
      let k = j + 1;
      while (k < n && isJsonSpace(text.charCodeAt(k))) k++;
      out.push(i, j + 1, text.charCodeAt(k) === 58 ? kind | KEY : kind);
      i = j + 1;
    } else if (c === 45 || (c >= 48 && c <= 57)) {
      let j = i + 1;
      while (j < n && inNumber(text.charCodeAt(j))) j++;
      out.push(i, j, NUMBER);
      i = j;
    } else i++; // whitespace, structure, true, false, null
  }
  return out;
}

/** Whether only `:` and whitespace stand between `from` and `to`: a key and its value. */
function onlyColonBetween(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (text.charCodeAt(i) !== 58 && !isJsonSpace(text.charCodeAt(i))) return false;
  return true;
}

/** The text-bearing leaves of a structured text, and how to put their protected versions back. */
export interface Leaves {
  /** The leaves, in text order. */
  values: string[];
  /** For each leaf, what the guard writes before it: its key or column as a label (`PromptGuard.labelPrefix`). */
  prefixes: string[];
  /** The text with the changed values rewritten, and everything else as written. */
  rebuild: (protectedValues: readonly string[]) => string;
}

/**
 * `text` with each leaf whose protected value differs from its value written over its span as `write(protected)`, and
 * everything else as written. `bounds` holds each leaf's start and end, in text order.
 */
export function rewriteChanged(
  text: string,
  bounds: readonly number[],
  values: readonly string[],
  protectedValues: readonly string[],
  write: (value: string) => string = (value) => value,
): string {
  let out = '';
  let at = 0;
  let changed = false;
  for (let k = 0; k < values.length; k++) {
    if (protectedValues[k] === values[k]) continue;
    out += text.slice(at, bounds[2 * k]) + write(protectedValues[k]);
    at = bounds[2 * k + 1];
    changed = true;
  }
  return changed ? out + text.slice(at) : text;
}

/**
 * The leaves of the JSON text `json` (its strings, decoded, and numbers, as written; keys included), each member's
 * value labelled with its key, and the text rebuilt from their protected versions with only the changed ones
 * rewritten: formatting and numbers beyond double precision survive. A changed number becomes a string (its
 * placeholder).
 */
export function jsonLeaves(json: string, labelPrefix: (key: string) => string): Leaves {
  const scalars = jsonScalars(json);
  const values: string[] = [];
  const bounds: number[] = [];
  const prefixes: string[] = [];
  const prefixOfKey = new Map<string, string>(); // an array of records repeats its keys
  const labelOf = (key: string): string => {
    const prefix = prefixOfKey.get(key) ?? labelPrefix(key);
    prefixOfKey.set(key, prefix);
    return prefix;
  };
  // The open objects and arrays: an array that is a member's value holds that member's label for its elements
  // (`"given": ["Maria", "José"]`), an object or any other array ''.
  const open: string[] = [];
  let from = 0;
  for (let k = 0; k < scalars.length; k += 3) {
    const start = scalars[k];
    const end = scalars[k + 1];
    const kind = scalars[k + 2];
    const afterKey = k > 0 && (scalars[k - 1] & KEY) !== 0;
    for (let i = from; i < start; i++) {
      const c = json.charCodeAt(i);
      if (c === 91) open.push(afterKey && onlyColonBetween(json, from, i) ? labelOf(values[k / 3 - 1]) : '');
      else if (c === 123) open.push('');
      else if (c === 93 || c === 125) open.pop();
    }
    from = end;
    bounds.push(start, end);
    if (kind === NUMBER) values.push(json.slice(start, end));
    else if (kind & ESCAPED) values.push(JSON.parse(json.slice(start, end)) as string);
    else values.push(json.slice(start + 1, end - 1));
    let prefix = '';
    if (afterKey && onlyColonBetween(json, scalars[k - 2], start)) prefix = labelOf(values[k / 3 - 1]);
    else if ((kind & KEY) === 0 && open.length > 0) prefix = open[open.length - 1];
    prefixes.push(prefix);
  }
  const rebuild = (protectedValues: readonly string[]): string =>
    rewriteChanged(json, bounds, values, protectedValues, JSON.stringify);
  return { values, prefixes, rebuild };
}
