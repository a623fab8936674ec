// ChangeNotices over Redis pub/sub: one channel per deployment (key prefix), local subscribers hear a notice at once.

import { randomUUID } from 'node:crypto';
import type { ChangeNotice, ChangeNotices } from '../types.js';
import type { RedisConnection } from './connection.js';

interface WireNotice extends ChangeNotice {
  origin: string;
}

/**
 * Publishes to every replica through Redis and delivers to this replica's own subscribers directly (so a
 * notice is heard here even while Redis is away). After the subscriber connection comes back from an outage,
 * every handler hears a `{ resync: 'reconnected' }` notice on its topic, since notices sent meanwhile were lost.
 */
export class RedisChangeNotices implements ChangeNotices {
  private readonly handlers = new Map<string, Set<(notice: ChangeNotice) => void>>();
  private readonly origin = randomUUID();
  private readonly channel: string;
  private started?: Promise<void>;
  private connectedBefore = false;

  constructor(private readonly redis: RedisConnection) {
    this.channel = `${redis.prefix}notices`;
  }

  /** Tells this replica at once, then every other one; rejects (after local delivery) when Redis is unreachable. */
  async publish(notice: ChangeNotice): Promise<void> {
    this.deliver(notice);
    const wire: WireNotice = {
      topic: notice.topic,
      ...(notice.detail ? { detail: notice.detail } : {}),
      origin: this.origin,
    };
    await this.redis.run('notices.publish', (c) => c.publish(this.channel, JSON.stringify(wire)));
  }

  subscribe(topic: string, handler: (notice: ChangeNotice) => void): () => void {
    void this.start();
    let set = this.handlers.get(topic);
    if (!set) this.handlers.set(topic, (set = new Set()));
    set.add(handler);
    return () => set.delete(handler);
  }

  /** Resolves once the subscription is in place (tests await it before publishing from elsewhere). */
  ready(): Promise<void> {
    return this.start();
  }

  async close(): Promise<void> {
    this.handlers.clear();
    if (this.started)
      await this.redis
        .subscriber()
        .unsubscribe(this.channel)
        .catch(() => undefined);
  }

  private start(): Promise<void> {
    this.started ??= (async () => {
      const sub = this.redis.subscriber();
      sub.on('message', (channel: string, text: string) => {
        if (channel === this.channel) this.receive(text);
      });
      sub.on('ready', () => {
        if (this.connectedBefore)
          for (const topic of this.handlers.keys()) this.deliver({ topic, detail: { resync: 'reconnected' } });
        this.connectedBefore = true;
      });
      await sub.subscribe(this.channel).catch(() => undefined); // ioredis subscribes again on every reconnect
    })();
    return this.started;
  }

  private receive(text: string): void {
    let notice: WireNotice;
    try {
      notice = JSON.parse(text) as WireNotice;
    } catch {
      return;
    }
    if (notice.origin === this.origin || typeof notice.topic !== 'string') return;
    this.deliver({ topic: notice.topic, ...(notice.detail ? { detail: notice.detail } : {}) });
  }

  private deliver(notice: ChangeNotice): void {
    for (const handler of [...(this.handlers.get(notice.topic) ?? [])]) {
      try {
        handler(notice);
      } catch {
        // one failing handler never keeps a notice from the others
      }
    }
  }
}
