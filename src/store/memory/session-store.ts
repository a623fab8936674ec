// In-process SessionStore: one Map, idle TTL and absolute lifetime enforced on every read and by sweep().

import type { Session, SessionPatch, SessionSummary, StoredMessage } from '../../domain/index.js';
import type { SessionStore } from '../types.js';

export interface MemorySessionStoreOptions {
  idleTtlMs: number;
  clock?: () => number;
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
    this.sessions.set(session.id, structuredClone(session));
  }

  async get(id: string): Promise<Session | undefined> {
    const session = this.live(id);
    return session && structuredClone(session);
  }

  async append(
    id: string,
    messages: StoredMessage[],
    pseudonyms?: Record<string, string>,
  ): Promise<Session | undefined> {
    const session = this.live(id);
    if (!session) return undefined;
    session.messages.push(...structuredClone(messages));
    if (pseudonyms) session.pseudonyms = { ...pseudonyms };
    session.lastActiveAt = this.now();
    return structuredClone(session);
  }

  async updateMessage(id: string, message: StoredMessage): Promise<Session | undefined> {
    const session = this.live(id);
    const index = session?.messages.findIndex((m) => m.id === message.id) ?? -1;
    if (!session || index < 0) return undefined;
    session.messages[index] = structuredClone(message);
    return structuredClone(session);
  }

  async truncate(id: string, fromIndex: number): Promise<Session | undefined> {
    const session = this.live(id);
    if (!session) return undefined;
    session.messages.length = Math.max(0, Math.min(fromIndex, session.messages.length));
    session.lastActiveAt = this.now();
    return structuredClone(session);
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
      list.push(structuredClone(summary));
    }
    return list;
  }

  async patch(id: string, patch: SessionPatch): Promise<Session | undefined> {
    const session = this.live(id);
    if (!session) return undefined;
    if (patch.title !== undefined) session.title = patch.title;
    if (patch.model !== undefined) session.model = patch.model;
    return structuredClone(session);
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
