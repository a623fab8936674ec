// Runs the prompt guard over every text-bearing shape: text parts, tool-call arguments (string values) and tool
// results.

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

/** Collects the string leaves of a JSON value with a setter for each; returns the rebuilt value's getter. */
function jsonLeaves(value: unknown, add: (text: string, set: Setter) => void): () => unknown {
  if (typeof value === 'string') {
    let current = value;
    add(value, (t) => (current = t));
    return () => current;
  }
  if (Array.isArray(value)) {
    const items = value.map((v) => jsonLeaves(v, add));
    return () => items.map((get) => get());
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).map(([k, v]) => [k, jsonLeaves(v, add)] as const);
    return () => Object.fromEntries(entries.map(([k, get]) => [k, get()]));
  }
  return () => value;
}

/** A working copy of one message and the text units the guard must see, each with where its result goes. */
function decompose(m: ChatMessage, units: ChatMessage[], setters: Setter[]): ChatMessage {
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
      let parsed: unknown;
      try {
        parsed = JSON.parse(call.arguments);
      } catch {
        add(m.role, call.arguments, (t) => (out.arguments = t));
        return out;
      }
      let changed = false;
      const rebuild = jsonLeaves(parsed, (text, set) =>
        add(m.role, text, (t) => {
          if (t !== text) changed = true;
          set(t);
        }),
      );
      setters.push(() => {
        if (changed) out.arguments = JSON.stringify(rebuild());
      });
      units.push({ role: m.role, content: '' });
      return out;
    });
  }
  return copy;
}

/**
 * Protects messages with the guard, including text parts and the string values of tool-call
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
  const units: ChatMessage[] = [];
  const setters: Setter[] = [];
  const copies = messages.map((m) => decompose(m, units, setters));
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
