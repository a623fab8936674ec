// This tab's chats (ids, titles, expiry) in sessionStorage: the server is the source of the content.

const KEY = 'parley.chats';

/** One chat the tab knows about. */
export interface ChatEntry {
  id: string;
  title: string;
  model: string;
  expiresAt: string;
}

/** The chats of this tab, newest first, without those already past their expiry. */
export function loadChats(now = Date.now()): ChatEntry[] {
  try {
    const list = JSON.parse(sessionStorage.getItem(KEY) ?? '[]') as ChatEntry[];
    return Array.isArray(list) ? list.filter((c) => Date.parse(c.expiresAt) > now) : [];
  } catch {
    return [];
  }
}

/** Saves the list. */
export function saveChats(chats: ChatEntry[]): void {
  try {
    sessionStorage.setItem(KEY, JSON.stringify(chats));
  } catch {
    // storage full or disabled: the list lives in memory only
  }
}

/** Adds or updates one entry (moved to the top). */
export function upsertChat(chats: ChatEntry[], entry: ChatEntry): ChatEntry[] {
  return [entry, ...chats.filter((c) => c.id !== entry.id)];
}

/** A short title from the first message. */
export function titleOf(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 48 ? `${line.slice(0, 47)}…` : line || 'New chat';
}
