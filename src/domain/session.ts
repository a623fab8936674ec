// An ephemeral chat session: the only place conversation content is kept.

import type { FinishReason, Usage } from './chat.js';

/**
 * An image of a user message: a base64 `data:` URL of an accepted type (src/domain/image-limits.ts). Content, sealed
 * with the session.
 */
export interface StoredImage {
  url: string;
}

export interface StoredMessage {
  id: string;
  /** Sessions hold text turns only (tool calls are an API-only feature). */
  role: 'system' | 'user' | 'assistant';
  content: string;
  createdAt: number;
  usage?: Usage;
  finishReason?: FinishReason;
  /** Set when the answer ended with an error after partial output. */
  incomplete?: boolean;
  feedback?: { rating: 'up' | 'down'; reason?: string };
  /** Model alias that wrote an assistant message (a chat may switch models between turns). */
  model?: string;
  /** Images of a user message, in order (sent to the model as image parts after the text). */
  images?: StoredImage[];
  /** Reasoning text the model returned with an answer (shown collapsed; never sent back to the model). */
  reasoning?: string;
}

export interface Session {
  id: string;
  ownerId: string;
  /** Parley model alias chosen for the session. */
  model: string;
  systemPrompt?: string;
  /** Name shown in the chat list; content (purged and sealed with the session). */
  title?: string;
  createdAt: number;
  lastActiveAt: number;
  /** Absolute end of life; idle expiry is `lastActiveAt + idleTtl`. */
  expiresAt: number;
  messages: StoredMessage[];
  /** Pseudonym placeholder -> original value; lives and dies with the session. */
  pseudonyms?: Record<string, string>;
}

/** A session without its messages and pseudonyms, for listing a principal's chats. */
export type SessionSummary = Omit<Session, 'messages' | 'pseudonyms'>;

/** Session-level fields that may change after creation. */
export interface SessionPatch {
  title?: string;
  model?: string;
}
