// The chat list comes from the server (GET /v1/sessions); this tab only remembers which chat was open.

import type { SessionSummary } from '../api/types.js';

const OPEN_KEY = 'parley.open';

/** One chat of the list. */
export interface ChatEntry {
  id: string;
  title: string;
  model: string;
  expiresAt: string;
  system?: string;
}

/** A list entry from the server's summary. */
export function entryOf(session: SessionSummary): ChatEntry {
  return {
    id: session.id,
    title: session.title || 'Untitled chat',
    model: session.model,
    expiresAt: session.expiresAt,
    ...(session.system ? { system: session.system } : {}),
  };
}

/** The chat open in this tab before a reload, if any. */
export function loadOpenChat(): string | undefined {
  try {
    return sessionStorage.getItem(OPEN_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

/** Remembers (or forgets, with undefined) the chat open in this tab, so a reload reopens it. */
export function saveOpenChat(id: string | undefined): void {
  try {
    if (id) sessionStorage.setItem(OPEN_KEY, id);
    else sessionStorage.removeItem(OPEN_KEY);
  } catch {
    // storage disabled: a reload starts a new chat
  }
}

/** Adds or updates one entry (moved to the top: the list is most recently active first). */
export function upsertChat(chats: ChatEntry[], entry: ChatEntry): ChatEntry[] {
  return [entry, ...chats.filter((c) => c.id !== entry.id)];
}

/** Entries whose title or model contains every word of `query` (case-insensitive). */
export function searchChats(chats: ChatEntry[], query: string): ChatEntry[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return chats;
  return chats.filter((c) => {
    const hay = `${c.title} ${c.model}`.toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}

/** A short title from the first message. */
export function titleOf(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 48 ? `${line.slice(0, 47)}…` : line || 'New chat';
}
