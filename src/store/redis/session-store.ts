// Redis SessionStore: content sealed, native TTLs for idle time and absolute lifetime, an owner index, atomic scripts.

import { createHash } from 'node:crypto';
import { ParleyError } from '../../domain/index.js';
import type { Session, SessionPatch, SessionSummary, StoredMessage } from '../../domain/index.js';
import { UnreadableRecordError, type Sealer } from '../sealing.js';
import type { SessionStore } from '../types.js';
import type { RedisConnection } from './connection.js';
import { APPEND, CREATE, DELETE, GET, LIST_BY_OWNER, PATCH, SWEEP, TRUNCATE, UPDATE } from './session-scripts.js';

export interface RedisSessionStoreOptions {
  idleTtlMs: number;
  sealer: Sealer;
  clock?: () => number;
  /**
   * Added to every native TTL (tests with a simulated clock use it, so Redis never expires a key before the clock says
   * so).
   */
  ttlSlackMs?: number;
}

/** The sealed, non-indexed part of a session. */
interface SessionMeta {
  ownerId: string;
  model: string;
  systemPrompt?: string;
  /** The chat's name: content, so sealed like the rest. */
  title?: string;
  createdAt: number;
}

type ScriptReply = [[string | null, string | null, string | null], string | null, string[]] | null;

const SWEEP_BATCH = 1_000;

/** Sessions shared by every replica; expiry is exact on every read and enforced by Redis itself as a backstop. */
export class RedisSessionStore implements SessionStore {
  private readonly now: () => number;

  constructor(
    private readonly redis: RedisConnection,
    private readonly options: RedisSessionStoreOptions,
  ) {
    this.now = options.clock ?? Date.now;
  }

  async create(session: Session): Promise<void> {
    const { sealer } = this.options;
    const meta: SessionMeta = {
      ownerId: session.ownerId,
      model: session.model,
      createdAt: session.createdAt,
      ...(session.systemPrompt !== undefined ? { systemPrompt: session.systemPrompt } : {}),
      ...(session.title !== undefined ? { title: session.title } : {}),
    };
    await this.call('session.create', CREATE, session.id, [
      sealer.sealJson(meta, `session:${session.id}:meta`),
      session.lastActiveAt,
      session.expiresAt,
      ownerHash(session.ownerId),
      session.pseudonyms ? sealer.sealJson(session.pseudonyms, `session:${session.id}:pseud`) : '',
      ...session.messages.map((m) => this.entry(session.id, m)),
    ]);
  }

  async get(id: string): Promise<Session | undefined> {
    return this.decode(id, (await this.call('session.get', GET, id, [])) as ScriptReply);
  }

  async append(id: string, messages: StoredMessage[], pseudonyms?: Record<string, string>): Promise<boolean> {
    const sealedPseudonyms = pseudonyms ? this.options.sealer.sealJson(pseudonyms, `session:${id}:pseud`) : '';
    const entries = messages.map((m) => this.entry(id, m));
    return (await this.call('session.append', APPEND, id, [sealedPseudonyms, ...entries])) === 1;
  }

  async updateMessage(id: string, message: StoredMessage): Promise<boolean> {
    return (await this.call('session.update', UPDATE, id, [message.id, this.entry(id, message)])) === 1;
  }

  async truncate(id: string, fromIndex: number): Promise<boolean> {
    return (await this.call('session.truncate', TRUNCATE, id, [Math.max(0, Math.floor(fromIndex))])) === 1;
  }

  async delete(id: string): Promise<boolean> {
    return Number(await this.call('session.delete', DELETE, id, [])) > 0;
  }

  async sweep(now = this.now()): Promise<string[]> {
    const expired: string[] = [];
    for (;;) {
      const batch = (await this.call('session.sweep', SWEEP, '', [SWEEP_BATCH], now)) as string[];
      expired.push(...batch);
      if (batch.length < SWEEP_BATCH) return expired;
    }
  }

  async size(): Promise<number> {
    const now = this.now();
    return this.redis.run('session.size', (c) => c.zcount(`${this.redis.prefix}sessions`, `(${now}`, '+inf'));
  }

  async countByOwner(ownerId: string): Promise<number> {
    const now = this.now();
    return this.redis.run('session.count_by_owner', (c) =>
      c.zcount(`${this.redis.prefix}owner:${ownerHash(ownerId)}`, `(${now}`, '+inf'),
    );
  }

  async listByOwner(ownerId: string): Promise<SessionSummary[]> {
    const rows = (await this.call('session.list_by_owner', LIST_BY_OWNER, '', [ownerHash(ownerId)])) as [
      string,
      string,
      string,
      string,
    ][];
    const list: SessionSummary[] = [];
    for (const [id, sealedMeta, last, expires] of rows) {
      const meta = this.openMeta(id, sealedMeta);
      if (meta.ownerId === ownerId) list.push({ id, ...meta, lastActiveAt: Number(last), expiresAt: Number(expires) });
    }
    return list;
  }

  /** Changes title or model: read, re-seal, and write only if no replica changed the metadata meanwhile. */
  async patch(id: string, patch: SessionPatch): Promise<Session | undefined> {
    const { sealer } = this.options;
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = (await this.call('session.get', GET, id, [])) as ScriptReply;
      if (!current?.[0][0]) return undefined;
      const sealedMeta = current[0][0];
      const meta: SessionMeta = {
        ...this.openMeta(id, sealedMeta),
        ...(patch.title !== undefined ? { title: patch.title } : {}),
        ...(patch.model !== undefined ? { model: patch.model } : {}),
      };
      const reply = await this.call('session.patch', PATCH, id, [
        sealedMeta,
        sealer.sealJson(meta, `session:${id}:meta`),
      ]);
      if (reply !== 0) return this.decode(id, reply as ScriptReply);
    }
    throw new ParleyError('store_busy', 'This session is being changed by another request; retry in a moment', {
      retryAfterMs: 100,
    });
  }

  private openMeta(id: string, sealedMeta: string): SessionMeta {
    try {
      return this.options.sealer.openJson<SessionMeta>(sealedMeta, `session:${id}:meta`);
    } catch (error) {
      if (!(error instanceof UnreadableRecordError)) throw error;
      throw new ParleyError(
        'store_unavailable',
        'This session was stored under an encryption key Parley no longer has (see ' +
          'state.previousEncryptionKeys), so it cannot be read.',
        { cause: error },
      );
    }
  }

  private call(
    operation: string,
    lua: string,
    id: string,
    args: (string | number)[],
    now = this.now(),
  ): Promise<unknown> {
    return this.redis.script(
      operation,
      lua,
      [],
      [this.redis.prefix, id, now, this.options.idleTtlMs, this.options.ttlSlackMs ?? 0, ...args],
    );
  }

  /** A list entry: the message id in clear (to find it), the message sealed. */
  private entry(id: string, message: StoredMessage): string {
    return `${message.id}|${this.options.sealer.sealJson(message, `session:${id}:msg`)}`;
  }

  private decode(id: string, reply: ScriptReply): Session | undefined {
    if (!reply) return undefined;
    const [[sealedMeta, last, expires], sealedPseudonyms, entries] = reply;
    if (!sealedMeta || !last || !expires) return undefined;
    const { sealer } = this.options;
    try {
      const meta = sealer.openJson<SessionMeta>(sealedMeta, `session:${id}:meta`);
      const messages = entries.map((e) =>
        sealer.openJson<StoredMessage>(e.slice(e.indexOf('|') + 1), `session:${id}:msg`),
      );
      return {
        id,
        ...meta,
        lastActiveAt: Number(last),
        expiresAt: Number(expires),
        messages,
        ...(sealedPseudonyms
          ? { pseudonyms: sealer.openJson<Record<string, string>>(sealedPseudonyms, `session:${id}:pseud`) }
          : {}),
      };
    } catch (error) {
      if (!(error instanceof UnreadableRecordError)) throw error;
      throw new ParleyError(
        'store_unavailable',
        'This session was stored under an encryption key Parley no longer has (see ' +
          'state.previousEncryptionKeys), so it cannot be read.',
        { cause: error },
      );
    }
  }
}

/** The owner index is keyed by a hash, so no principal id (which may be an e-mail address) appears in a key name. */
function ownerHash(ownerId: string): string {
  return createHash('sha256').update(ownerId).digest('base64url').slice(0, 22);
}
