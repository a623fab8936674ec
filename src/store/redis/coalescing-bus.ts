// Redis CoalescingBus: the lead is SET NX PX (owner as value), the log a Redis stream of sealed records.
//
// Keys (P = prefix): P co:<key>:lead (owner, PX lease), P co:<key>:log (stream, PEXPIRE retain after each append).

import type { Sealer } from '../sealing.js';
import type { CoalescingBus } from '../types.js';
import type { RedisConnection } from './connection.js';

const CLAIM = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  redis.call('DEL', KEYS[2])
  return 1
end
return 0`;

const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
return 0`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1`;

const APPEND = `
redis.call('XADD', KEYS[1], '*', 'r', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

/** Reads after a stream id and checks the lead in the same script, so "no lead and no end record" is never a race. */
const READ = `
local from = ARGV[1] == '' and '-' or '(' .. ARGV[1]
return { redis.call('XRANGE', KEYS[1], from, '+', 'COUNT', 500), redis.call('EXISTS', KEYS[2]) }`;

type StreamEntry = [string, string[]];

/** The cross-replica coalescing log, sealed under the state key like every other piece of content. */
export class RedisCoalescingBus implements CoalescingBus {
  constructor(
    private readonly redis: RedisConnection,
    private readonly sealer: Sealer,
  ) {}

  async claim(key: string, owner: string, leaseMs: number): Promise<boolean> {
    return (
      Number(
        await this.redis.script('coalesce.claim', CLAIM, [this.lead(key), this.log(key)], [owner, Math.ceil(leaseMs)]),
      ) === 1
    );
  }

  async renew(key: string, owner: string, leaseMs: number): Promise<boolean> {
    return (
      Number(await this.redis.script('coalesce.renew', RENEW, [this.lead(key)], [owner, Math.ceil(leaseMs)])) === 1
    );
  }

  async append(key: string, record: string, retainMs: number): Promise<void> {
    await this.redis.script(
      'coalesce.append',
      APPEND,
      [this.log(key)],
      [this.sealer.seal(record, `coalesce:${key}`), Math.ceil(retainMs)],
    );
  }

  async read(key: string, cursor: string): Promise<{ records: string[]; cursor: string; led: boolean }> {
    const [entries, led] = (await this.redis.script(
      'coalesce.read',
      READ,
      [this.log(key), this.lead(key)],
      [cursor],
    )) as [StreamEntry[], number];
    const records = entries.map(([, fields]) => this.sealer.open(fields[1], `coalesce:${key}`));
    return { records, cursor: entries.length > 0 ? entries[entries.length - 1][0] : cursor, led: Number(led) === 1 };
  }

  async release(key: string, owner: string): Promise<void> {
    await this.redis.script('coalesce.release', RELEASE, [this.lead(key)], [owner]);
  }

  private lead(key: string): string {
    return `${this.redis.prefix}co:${key}:lead`;
  }

  private log(key: string): string {
    return `${this.redis.prefix}co:${key}:log`;
  }
}
