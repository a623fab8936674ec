// Change notices across a Redis outage: a notice published while a replica is cut off is lost, so its
// subscribers hear a `resync` notice when the connection returns, and later notices arrive again.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisConnection } from '../../src/store/redis/connection.js';
import { RedisChangeNotices } from '../../src/store/redis/change-notices.js';
import type { ChangeNotice } from '../../src/store/types.js';
import { connect, startPrivateRedis, type PrivateRedis } from '../support/redis.js';
import { waitFor } from '../integration/harness.js';

describe('RedisChangeNotices across an outage', () => {
  let server: PrivateRedis;
  const connections: RedisConnection[] = [];
  beforeAll(async () => {
    server = await startPrivateRedis();
  });
  afterAll(async () => {
    for (const c of connections) await c.close();
    await server?.stop();
  });

  it('subscribers hear a resync notice after reconnecting, then notices flow again', async () => {
    const a = await connect('n:', server.url, 300);
    const b = await connect('n:', server.url, 300);
    connections.push(a, b);
    const publisher = new RedisChangeNotices(a);
    const listener = new RedisChangeNotices(b);
    const heard: ChangeNotice[] = [];
    listener.subscribe('keys', (n) => heard.push(n));
    await listener.ready();
    await publisher.publish({ topic: 'keys', detail: { id: 'k1' } });
    await waitFor(() => heard.length === 1, 'the first notice', 5_000);

    await server.stop();
    await expect(publisher.publish({ topic: 'keys', detail: { id: 'lost' } })).rejects.toMatchObject({
      code: 'store_unavailable',
    });
    await server.start();
    await waitFor(() => heard.some((n) => n.detail?.resync === 'reconnected'), 'the resync notice', 10_000);
    await waitFor(() => a.isReady(), 'the publisher to reconnect', 10_000);
    await publisher.publish({ topic: 'keys', detail: { id: 'k2' } });
    await waitFor(() => heard.some((n) => n.detail?.id === 'k2'), 'a notice after recovery', 5_000);
    expect(heard.some((n) => n.detail?.id === 'lost')).toBe(false);
  });
});
