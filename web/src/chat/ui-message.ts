// Messages and errors as the UI holds them, and the small lookups the conversation needs.

import type { StoredMessage } from '../api/types.js';

/** A message as shown: stored fields plus what only this tab knows. */
export interface UiMessage extends StoredMessage {
  /** Personal data items protected in this message (from the start event). */
  protectedItems?: number;
  /** Sent but not confirmed by the server yet (or failed before the answer started). */
  pending?: boolean;
  /** Stopped by the user. */
  stopped?: boolean;
}

/** An error being shown, in plain words. */
export interface ErrorState {
  title: string;
  detail?: string;
  /** Date.now() after which retrying makes sense (rate limits). */
  retryAt?: number;
  signOut?: boolean;
  expired?: boolean;
}

/** The last message of `role` confirmed by the server. */
export function lastOfRole(messages: UiMessage[], role: 'user' | 'assistant'): UiMessage | undefined {
  return messages.findLast((m) => m.role === role && !m.pending);
}

/**
 * The stored copy of a message whose answer failed: the last user message with the same content,
 * followed by nothing or by a cut-off answer (then a retry replaces it instead of duplicating it).
 */
export function storedCopyOf(messages: UiMessage[], content: string): UiMessage | undefined {
  let i = messages.length - 1;
  while (i >= 0 && messages[i].role === 'assistant' && messages[i].incomplete) i--;
  return i >= 0 && messages[i].role === 'user' && messages[i].content === content ? messages[i] : undefined;
}
