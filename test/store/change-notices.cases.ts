// One ChangeNotices conformance suite, run against every backend (memory and Redis pub/sub).

import { describe, expect, it } from 'vitest';
import type { ChangeNotice, ChangeNotices } from '../../src/store/types.js';

export interface ChangeNoticesHarness {
  make(): Promise<ChangeNotices>;
  /** Another replica's notices on the same channel (memory: the same instance). */
  twin(notices: ChangeNotices): Promise<ChangeNotices>;
  /** Resolves when `notices` is subscribed and would hear a publish from elsewhere. */
  settled(notices: ChangeNotices): Promise<void>;
}

/** The next notice `notices` hears on `topic`. */
function next(notices: ChangeNotices, topic: string): Promise<ChangeNotice> {
  return new Promise((resolve) => {
    const stop = notices.subscribe(topic, (notice) => {
      stop();
      resolve(notice);
    });
  });
}

export function changeNoticesConformance(name: string, harness: ChangeNoticesHarness): void {
  describe(`ChangeNotices conformance: ${name}`, () => {
    it('the publishing replica hears its own notice', async () => {
      const notices = await harness.make();
      const heard = next(notices, 'keys');
      await notices.publish({ topic: 'keys', detail: { id: 'k1' } });
      expect(await heard).toEqual({ topic: 'keys', detail: { id: 'k1' } });
    });

    it('another replica hears it once, and only on its topic', async () => {
      const a = await harness.make();
      const b = await harness.twin(a);
      const heard: ChangeNotice[] = [];
      b.subscribe('config', (n) => heard.push(n));
      const keys = next(b, 'keys');
      await harness.settled(b);
      await a.publish({ topic: 'keys', detail: { id: 'revoked' } });
      expect(await keys).toEqual({ topic: 'keys', detail: { id: 'revoked' } });
      const config = next(b, 'config');
      await a.publish({ topic: 'config' });
      await config;
      expect(heard).toEqual([{ topic: 'config' }]);
    });

    it('unsubscribing stops delivery', async () => {
      const notices = await harness.make();
      const heard: ChangeNotice[] = [];
      const stop = notices.subscribe('keys', (n) => heard.push(n));
      stop();
      const after = next(notices, 'keys');
      await notices.publish({ topic: 'keys' });
      await after;
      expect(heard).toEqual([]);
    });
  });
}
