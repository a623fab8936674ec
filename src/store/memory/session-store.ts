// In-process SessionStore: one Map, idle TTL and absolute lifetime enforced on every read and by sweep().

import type { Session, SessionPatch, SessionSummary, StoredMessage } from '../../domain/index.js';
import type { SessionStore } from '../types.js';

export interface MemorySessionStoreOptions {
  idleTtlMs: number;
  clock?: () => number;
}

/**
 * A deep copy of a session's plain data (what the store hands out and keeps, so callers cannot change stored content)
 * that shares the strings, which cannot change, instead of copying them as structuredClone does: a session holding
 * images of 3 MB took ~32 ms of event loop per read that way.
 */
function copy<T>(value: T): T {
  if (Array.isArray(value)) return value.map(copy) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = copy((value as Record<string, unknown>)[key]);
  return out as T;
}

/** Sessions for a single process; content is dropped the moment a session expires or is deleted. */
export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly idleTtlMs: number;
  private readonly now: () => number;

  constructor(options: MemorySessionStoreOptions) {
    this.idleTtlMs = options.idleTtlMs;
    this.now = options.clock ?? Date.now;
  }

  async create(session: Session): Promise<void> {
    this.sessions.set(session.id, copy(session));
  }

  async get(id: string): Promise<Session | undefined> {
    const session = this.live(id);
    return session && copy(session);
  }

  async append(id: string, messages: StoredMessage[], pseudonyms?: Record<string, string>): Promise<boolean> {
    const session = this.live(id);
    if (!session) return false;
    session.messages.push(...copy(messages));
    if (pseudonyms) session.pseudonyms = { ...pseudonyms };
    session.lastActiveAt = this.now();
    return true;
  }

  async updateMessage(id: string, message: StoredMessage): Promise<boolean> {
    const session = this.live(id);
    const index = session?.messages.findIndex((m) => m.id === message.id) ?? -1;
    if (!session || index < 0) return false;
    session.messages[index] = copy(message);
    return true;
  }

  async truncate(id: string, fromIndex: number): Promise<boolean> {
    const session = this.live(id);
    if (!session) return false;
    session.messages.length = Math.max(0, Math.min(fromIndex, session.messages.length));
    session.lastActiveAt = this.now();
    return true;
  }

  async delete(id: string): Promise<boolean> {
    return this.sessions.delete(id);
  }

  async sweep(now = this.now()): Promise<string[]> {
    const expired: string[] = [];
    for (const [id, session] of this.sessions) {
      if (this.isExpired(session, now)) {
        this.sessions.delete(id);
        expired.push(id);
      }
    }
    return expired;
  }

  async size(): Promise<number> {
    return this.sessions.size;
  }

  async countByOwner(ownerId: string): Promise<number> {
    const now = this.now();
    let count = 0;
    for (const session of this.sessions.values())
      if (session.ownerId === ownerId && !this.isExpired(session, now)) count++;
    return count;
  }

  async listByOwner(ownerId: string): Promise<SessionSummary[]> {
    const now = this.now();
    const list: SessionSummary[] = [];
    for (const session of this.sessions.values()) {
      if (session.ownerId !== ownerId || this.isExpired(session, now)) continue;
      const { messages: _messages, pseudonyms: _pseudonyms, ...summary } = session;
      list.push(copy(summary));
    }
    return list;
  }

  async patch(id: string, patch: SessionPatch): Promise<Session | undefined> {
    const session = this.live(id);
    if (!session) return undefined;
    if (patch.title !== undefined) session.title = patch.title;
    if (patch.model !== undefined) session.model = patch.model;
    return copy(session);
  }

  private live(id: string): Session | undefined {
    const session = this.sessions.get(id);
    if (!session) return undefined;
    if (this.isExpired(session, this.now())) {
      this.sessions.delete(id);
      return undefined;
    }
    return session;
  }

  private isExpired(session: Session, now: number): boolean {
    return now >= session.expiresAt || now >= session.lastActiveAt + this.idleTtlMs;
  }
}
