// Re-identifier: restores pseudonym placeholders in a streamed answer, also across chunk boundaries.

import type { PseudonymMap } from './types.js';

/** Streaming re-identification of one answer. */
export interface Reidentifier {
  /** Returns the text that can be emitted now; holds back only a possible placeholder prefix. */
  push(chunk: string): string;
  /** Returns whatever was held back (call once, at the end of the stream). */
  flush(): string;
}

const TOKEN = /\[[A-Z][A-Z0-9_]*\]/g;

/** Replaces every known placeholder in a complete text; unknown ones stay as they are. */
export function reidentify(text: string, mapping: PseudonymMap): string {
  if (!text.includes('[')) return text;
  return text.replace(TOKEN, (p) => (Object.hasOwn(mapping, p) ? mapping[p] : p));
}

/**
 * Creates a re-identifier for a session's map. Text is emitted immediately except a suffix that
 * starts at the last `[` and is still a prefix of a known placeholder (at most the longest
 * placeholder's length), so `[EMA` + `IL_1]` becomes the original address with no extra delay.
 */
export function createReidentifier(mapping: PseudonymMap): Reidentifier {
  const placeholders = Object.keys(mapping);
  if (placeholders.length === 0) return { push: (chunk) => chunk, flush: () => '' };
  const prefixes = new Set<string>();
  for (const p of placeholders) for (let i = 1; i < p.length; i++) prefixes.add(p.slice(0, i));
  let held = '';

  return {
    push(chunk) {
      const text = held + chunk;
      held = '';
      const open = text.lastIndexOf('[');
      if (open !== -1 && prefixes.has(text.slice(open))) {
        held = text.slice(open);
        return reidentify(text.slice(0, open), mapping);
      }
      return reidentify(text, mapping);
    },
    flush() {
      const rest = held;
      held = '';
      return rest;
    },
  };
}
