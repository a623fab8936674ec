// Runs the prompt guard over every text-bearing shape: text parts, tool-call arguments (their strings, keys included,
// and numbers) and tool results.

import { ParleyError } from '../domain/index.js';
import type { ChatMessage } from '../domain/index.js';
import type { PromptGuard, PseudonymMap } from './hooks.js';

type Setter = (text: string) => void;

/** Number of image parts in the messages. */
export function countImages(messages: readonly ChatMessage[]): number {
  let n = 0;
  for (const m of messages) for (const p of m.parts ?? []) if (p.type === 'image') n++;
  return n;
}

/** The 422 for images when `privacy.images` is `block`. */
export function imagesBlockedError(sessionWording = false): ParleyError {
  const why =
    'This service does not forward images (privacy.images is block): images cannot be checked for personal data.';
  return sessionWording
    ? new ParleyError(
        'content_blocked',
        `${why} Send the message without images; if earlier turns of this chat hold images, start a new chat.`,
        { param: 'images' },
      )
    : new ParleyError('content_blocked', `${why} Remove the image parts and send again.`, { param: 'messages' });
}

const STRING = 0;
const NUMBER = 1;
/** A character of a JSON number after its first: a digit, `.`, `e`, `E`, `+` or `-`. */
const inNumber = (c: number): boolean =>
  (c >= 48 && c <= 57) || c === 46 || c === 101 || c === 69 || c === 43 || c === 45;

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
      while (j < n && text.charCodeAt(j) !== 34) j += text.charCodeAt(j) === 92 ? 2 : 1;
      out.push(i, j + 1, STRING);
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

/**
 * The strings (decoded) and numbers (as written) of the JSON text `json`, and the text rebuilt from their protected
 * versions with only the changed ones rewritten: everything else stays as written, so formatting and numbers beyond
 * double precision survive. A changed number becomes a string (its placeholder).
 */
function jsonLeaves(json: string): { values: string[]; rebuild: (protectedValues: readonly string[]) => string } {
  const scalars = jsonScalars(json);
  const values: string[] = [];
  for (let k = 0; k < scalars.length; k += 3) {
    const token = json.slice(scalars[k], scalars[k + 1]);
    values.push(scalars[k + 2] === STRING ? (JSON.parse(token) as string) : token);
  }
  const rebuild = (protectedValues: readonly string[]): string => {
    let out = '';
    let at = 0;
    for (let k = 0; k < scalars.length; k += 3) {
      const value = protectedValues[k / 3];
      if (value === values[k / 3]) continue;
      out += json.slice(at, scalars[k]) + JSON.stringify(value);
      at = scalars[k + 1];
    }
    return at === 0 ? json : out + json.slice(at);
  };
  return { values, rebuild };
}

/**
 * Joins the leaves of one tool call into one text for the guard, one leaf a line: scanning thousands of short leaves
 * one by one costs a few µs each (a 2 MB array of numbers, a second). The NUL between the lines is in no leaf (a call
 * with one is protected leaf by leaf) and in no finding of the built-in recognizers; should a custom pattern take part
 * of a separator into a finding, the pieces no longer match the leaves and the call is protected leaf by leaf.
 */
const LEAF_SEPARATOR = '\n\u0000\n';

/** Whether a batched unit came back in as many pieces as it had leaves (set by the setters, read after the guard). */
interface BatchState {
  spanned: boolean;
}

/**
 * A working copy of one message and the text units the guard must see, each with where its result goes. With `batch`,
 * the leaves of each tool call's arguments go to the guard as one unit.
 */
function decompose(m: ChatMessage, units: ChatMessage[], setters: Setter[], batch?: BatchState): ChatMessage {
  const add = (role: ChatMessage['role'], text: string, set: Setter): void => {
    units.push({ role, content: text });
    setters.push(set);
  };
  const copy: ChatMessage = { ...m };
  if (m.parts !== undefined) {
    const parts = m.parts.map((p) => ({ ...p }));
    copy.parts = parts;
    for (const p of parts) if (p.type === 'text') add(m.role, p.text, (t) => (p.text = t));
    // `content` mirrors the text parts; it is rebuilt once they are protected.
    setters.push(() => (copy.content = parts.map((p) => (p.type === 'text' ? p.text : '')).join('')));
    units.push({ role: m.role, content: '' });
  } else {
    add(m.role, m.content, (t) => (copy.content = t));
  }
  if (m.reasoning !== undefined) {
    // Earlier reasoning is text the provider sees again: protected like the rest (a signature covers the protected text
    // it was made over).
    copy.reasoning = m.reasoning.map((block) => {
      if (block.type !== 'thinking') return block;
      const out = { ...block };
      add(m.role, block.text, (t) => (out.text = t));
      return out;
    });
  }
  if (m.toolCalls !== undefined) {
    copy.toolCalls = m.toolCalls.map((call) => {
      const out = { ...call };
      try {
        JSON.parse(call.arguments);
      } catch {
        add(m.role, call.arguments, (t) => (out.arguments = t));
        return out;
      }
      const { values, rebuild } = jsonLeaves(call.arguments);
      if (values.length === 0) return out;
      if (batch && !values.some((v) => v.includes('\u0000'))) {
        add(m.role, values.join(LEAF_SEPARATOR), (t) => {
          const pieces = t.split(LEAF_SEPARATOR);
          if (pieces.length === values.length) out.arguments = rebuild(pieces);
          else batch.spanned = true;
        });
        return out;
      }
      const protectedValues = [...values];
      values.forEach((value, k) => add(m.role, value, (t) => (protectedValues[k] = t)));
      setters.push(() => (out.arguments = rebuild(protectedValues)));
      units.push({ role: m.role, content: '' });
      return out;
    });
  }
  return copy;
}

/**
 * Protects messages with the guard, including text parts, the strings (keys included) and numbers of tool-call
 * arguments (assistant role: redacted, never blocked) and tool results (blocked like user text).
 * Plain text conversations go to the guard as they are.
 */
export function protectShapes(
  guard: PromptGuard,
  messages: ChatMessage[],
  mapping: PseudonymMap,
): ReturnType<PromptGuard['protect']> {
  if (!messages.some((m) => m.parts !== undefined || m.toolCalls !== undefined || m.reasoning !== undefined))
    return guard.protect(messages, mapping);
  const batch: BatchState = { spanned: false };
  const batched = protectUnits(guard, messages, mapping, batch);
  return batch.spanned ? protectUnits(guard, messages, mapping) : batched;
}

function protectUnits(
  guard: PromptGuard,
  messages: ChatMessage[],
  mapping: PseudonymMap,
  batch?: BatchState,
): ReturnType<PromptGuard['protect']> {
  const units: ChatMessage[] = [];
  const setters: Setter[] = [];
  const copies = messages.map((m) => decompose(m, units, setters, batch));
  const result = guard.protect(units, mapping);
  result.messages.forEach((unit, i) => setters[i](unit.content));
  return { messages: copies, mapping: result.mapping, counts: result.counts };
}

/** The map with originals escaped for a JSON string, for restoring placeholders inside JSON text. */
export function jsonEscapedMapping(mapping: PseudonymMap): PseudonymMap {
  const out: PseudonymMap = {};
  for (const [placeholder, original] of Object.entries(mapping))
    out[placeholder] = JSON.stringify(original).slice(1, -1);
  return out;
}
