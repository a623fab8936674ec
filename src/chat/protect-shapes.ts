// Runs the prompt guard over every text-bearing shape: text parts, tool-call arguments, JSON texts and tables in any
// message (their strings, keys included, and numbers, each value seen after its key's or column's label) and tool
// results.

import { ParleyError } from '../domain/index.js';
import type { ChatMessage } from '../domain/index.js';
import type { PromptGuard, PseudonymMap } from './hooks.js';
import { jsonLeaves, type Leaves } from './json-leaves.js';
import { hl7Spans, holdsHl7 } from './hl7-leaves.js';
import { mergeSpans, spanLeaves } from './span-leaves.js';
import { holdsSqlInsert, sqlInsertSpans } from './sql-leaves.js';
import { holdsTable, tableLeaves } from './table-leaves.js';
import { holdsXml, xmlSpans } from './xml-leaves.js';

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

/**
 * Joins the leaves of one JSON text into one text for the guard, one leaf a line: scanning thousands of short leaves
 * one by one costs a few µs each (a 2 MB array of numbers, a second). The NUL between the lines is in no leaf (a text
 * with one is protected leaf by leaf) and in no finding of the built-in recognizers; should a custom pattern take part
 * of a separator or a label into a finding, the pieces no longer match the leaves and the call is protected leaf by
 * leaf, without labels.
 */
const LEAF_SEPARATOR = '\n\u0000\n';
const NO_LABEL = (): string => '';

/** Whether a batched unit came back in as many pieces as it had leaves (set by the setters, read after the guard). */
interface BatchState {
  spanned: boolean;
}

/** The protected leaves of a batched unit, labels taken off; undefined if a finding ran across a separator or label. */
function unbatch(text: string, prefixes: readonly string[]): string[] | undefined {
  const pieces = text.split(LEAF_SEPARATOR);
  if (pieces.length !== prefixes.length) return undefined;
  for (let k = 0; k < pieces.length; k++) {
    const prefix = prefixes[k];
    if (prefix === '') continue;
    if (!pieces[k].startsWith(prefix)) return undefined;
    pieces[k] = pieces[k].slice(prefix.length);
  }
  return pieces;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** A JSON object or array: a text that is scanned leaf by leaf, as arguments are. */
const isJsonContainer = (text: string): boolean => /^\s*[[{]/.test(text) && isJson(text);

/**
 * A text read in leaves: JSON (a tool result, pasted data), a text holding a table (a database tool's answer, a
 * spreadsheet pasted into a prompt), an HL7 message, an SQL INSERT or XML, where a value is personal data only after
 * its key, column, place or element.
 */
const isStructured = (text: string): boolean =>
  isJsonContainer(text) || holdsHl7(text) || holdsSqlInsert(text) || holdsXml(text) || holdsTable(text);

/**
 * A working copy of one message and the text units the guard must see, each with where its result goes. With `batch`,
 * the leaves of each JSON text (tool-call arguments, tool results) go to the guard as one unit, each member's value
 * after its key written as the guard's label.
 */
function decompose(
  m: ChatMessage,
  units: ChatMessage[],
  setters: Setter[],
  labelPrefix: (key: string) => string,
  batch?: BatchState,
): ChatMessage {
  const add = (text: string, set: Setter): void => {
    units.push({ role: m.role, content: text });
    setters.push(set);
  };
  /**
   * Adds the leaves of a structured text (each after its label when batched); false, adding nothing, when `leavesOf`
   * finds no structure.
   */
  const addLeaves = (text: string, leavesOf: (label: (key: string) => string) => Leaves | undefined, set: Setter) => {
    // A NUL in the text (raw, or escaped in JSON) could be taken for the separator: leaf by leaf then.
    const batched = batch !== undefined && !text.includes('\u0000') && !text.includes('\\u0000');
    const leaves = leavesOf(batched ? labelPrefix : NO_LABEL);
    if (leaves === undefined) return false;
    const { values, prefixes, rebuild } = leaves;
    if (values.length === 0) return true;
    if (batched) {
      add(values.map((v, k) => prefixes[k] + v).join(LEAF_SEPARATOR), (t) => {
        const pieces = unbatch(t, prefixes);
        if (pieces) set(rebuild(pieces));
        else batch.spanned = true;
      });
      return true;
    }
    const protectedValues = [...values];
    values.forEach((value, k) => add(value, (t) => (protectedValues[k] = t)));
    setters.push(() => set(rebuild(protectedValues)));
    units.push({ role: m.role, content: '' });
    return true;
  };
  /** A text that is JSON or holds an HL7 message, an SQL INSERT, XML or a table goes in leaves; other text whole. */
  const addText = (text: string, set: Setter): void => {
    if (isJsonContainer(text) && addLeaves(text, (label) => jsonLeaves(text, label), set)) return;
    if (addLeaves(text, (label) => spanLeaves(text, fieldSpans(text, label)), set)) return;
    if (addLeaves(text, (label) => tableLeaves(text, label), set)) return;
    add(text, set);
  };

  const copy: ChatMessage = { ...m };
  if (m.parts !== undefined) {
    const parts = m.parts.map((p) => ({ ...p }));
    copy.parts = parts;
    for (const p of parts) if (p.type === 'text') addText(p.text, (t) => (p.text = t));
    // `content` mirrors the text parts; it is rebuilt once they are protected.
    setters.push(() => (copy.content = parts.map((p) => (p.type === 'text' ? p.text : '')).join('')));
    units.push({ role: m.role, content: '' });
  } else {
    addText(m.content, (t) => (copy.content = t));
  }
  if (m.reasoning !== undefined) {
    // Earlier reasoning is text the provider sees again: protected like the rest (a signature covers the protected text
    // it was made over).
    copy.reasoning = m.reasoning.map((block) => {
      if (block.type !== 'thinking') return block;
      const out = { ...block };
      add(block.text, (t) => (out.text = t));
      return out;
    });
  }
  if (m.toolCalls !== undefined) {
    copy.toolCalls = m.toolCalls.map((call) => {
      const out = { ...call };
      const set = (t: string): void => {
        out.arguments = t;
      };
      if (!isJson(call.arguments) || !addLeaves(call.arguments, (label) => jsonLeaves(call.arguments, label), set))
        add(call.arguments, set);
      return out;
    });
  }
  return copy;
}

/** The values of a text's HL7 messages, SQL INSERTs and XML, each after its field's, column's or element's label. */
const fieldSpans = (text: string, label: (key: string) => string) =>
  mergeSpans(hl7Spans(text, label), sqlInsertSpans(text, label), xmlSpans(text, label));

const hasShapes = (m: ChatMessage): boolean =>
  m.parts !== undefined ||
  m.toolCalls !== undefined ||
  m.reasoning !== undefined ||
  m.role === 'tool' ||
  isStructured(m.content);

/**
 * Protects messages with the guard, including text parts, the strings (keys included) and numbers of tool-call
 * arguments (assistant role: redacted, never blocked) and of JSON texts and tables in any message (their values after
 * their keys or columns), and tool results. Plain text conversations go to the guard as they are.
 */
export function protectShapes(
  guard: PromptGuard,
  messages: ChatMessage[],
  mapping: PseudonymMap,
): ReturnType<PromptGuard['protect']> {
  if (!messages.some(hasShapes)) return guard.protect(messages, mapping);
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
  const labelPrefix = guard.labelPrefix?.bind(guard) ?? NO_LABEL;
  const copies = messages.map((m) => decompose(m, units, setters, labelPrefix, batch));
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
