// JSON text carried as written inside a value that is serialised with JSON.stringify: a tool call's arguments may hold
// integers beyond 2^53 (a 64-bit id) that JSON.parse would round, so they are written into a body as they were.

import { randomUUID } from 'node:crypto';

/** A JSON text to write as is (valid JSON, checked by whoever makes it). */
export class RawJson {
  constructor(readonly json: string) {}
}

const LONG_DIGITS = /\d{16}/;

/** `json` parsed, or kept as a RawJson when it holds a run of 16 digits or more (a number JSON.parse may round). */
export function parsedOrRaw(json: string, parsed: unknown): unknown {
  return LONG_DIGITS.test(json) ? new RawJson(json.trim()) : parsed;
}

/** JSON.stringify of `value`, each RawJson in it written as its own text; `hasRaw` says whether to look for any. */
export function stringifyWithRaw(value: unknown, hasRaw: boolean): string {
  if (!hasRaw) return JSON.stringify(value);
  // A nonce that no other string of the value holds marks where each raw text goes.
  const nonce = randomUUID();
  const raws: string[] = [];
  const json = JSON.stringify(value, (_key, v: unknown) =>
    v instanceof RawJson ? `${nonce}:${raws.push(v.json) - 1}` : v,
  );
  return json.replace(new RegExp(`"${nonce}:(\\d+)"`, 'g'), (_, i: string) => raws[Number(i)]);
}
