// Redis OneTimeTokens: SET with PX to store, GETDEL to take, so exactly one replica ever redeems a token.

import type { OneTimeTokens } from '../types.js';
import type { RedisConnection } from './connection.js';

/** Single-use token hashes shared by every replica. */
export class RedisOneTimeTokens implements OneTimeTokens {
  constructor(private readonly redis: RedisConnection) {}

  async put(hash: string, ttlMs: number): Promise<void> {
    await this.redis.run('one_time.put', (c) => c.set(this.key(hash), '1', 'PX', Math.max(1, Math.ceil(ttlMs))));
  }

  async take(hash: string): Promise<boolean> {
    return (await this.redis.run('one_time.take', (c) => c.getdel(this.key(hash)))) !== null;
  }

  private key(hash: string): string {
    return `${this.redis.prefix}once:${hash}`;
  }
}
