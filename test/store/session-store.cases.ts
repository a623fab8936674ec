// One SessionStore conformance suite, run against every backend (memory and Redis).

import { describe, expect, it } from 'vitest';
import type { Session } from '../../src/domain/index.js';
import type { SessionStore } from '../../src/store/types.js';

export interface SessionStoreHarness {
  /** A fresh, empty store whose clock the test controls; idle TTL is 1,000 ms. */
  make(clock: { now: number }): Promise<SessionStore>;
  /** A second handle on the same data, as another replica would hold it (memory: the same store). */
  twin(store: SessionStore, clock: { now: number }): Promise<SessionStore>;
}

function session(id: string, now: number, overrides: Partial<Session> = {}): Session {
  return {
    id,
    ownerId: 'owner-a',
    model: 'chat',
    createdAt: now,
    lastActiveAt: now,
    expiresAt: now + 10_000,
    messages: [],
    ...overrides,
  };
}

const message = (id: string, content: string, at: number) => ({ id, role: 'user' as const, content, createdAt: at });

export function sessionStoreConformance(name: string, harness: SessionStoreHarness): void {
  describe(`SessionStore conformance: ${name}`, () => {
    it('creates, reads and appends', async () => {
      const clock = { now: 1_000 };
      const store = await harness.make(clock);
      await store.create(session('s1', clock.now));
      expect(await store.append('s1', [message('m1', 'hello', clock.now)], { '[EMAIL_1]': 'a@b.c' })).toBe(true);
      const read = await store.get('s1');
      expect(read?.messages.map((m) => m.content)).toEqual(['hello']);
      expect(read?.pseudonyms).toEqual({ '[EMAIL_1]': 'a@b.c' });
      expect(await store.size()).toBe(1);
    });

    it('appends without reading back, refreshes the idle timer, and answers false once the session is gone', async () => {
      const clock = { now: 0 };
      const store = await harness.make(clock);
      await store.create(session('s1', 0));
      clock.now = 900;
      expect(await store.append('s1', [message('m1', 'one', 900)], { '[EMAIL_1]': 'a@b.c' })).toBe(true);
      expect(await store.append('s1', [message('m2', 'two', 900)])).toBe(true);
      clock.now = 1_800;
      const read = await store.get('s1');
      expect(read?.messages.map((m) => m.content)).toEqual(['one', 'two']);
      expect(read?.pseudonyms).toEqual({ '[EMAIL_1]': 'a@b.c' });
      clock.now = 2_801;
      expect(await store.append('s1', [message('m3', 'late', clock.now)])).toBe(false);
      expect(await store.get('s1')).toBeUndefined();
      expect(await store.append('never', [])).toBe(false);
    });

    it('returns copies, so callers cannot mutate stored content', async () => {
      const clock = { now: 0 };
      const store = await harness.make(clock);
      await store.create(session('s1', 0));
      const read = await store.get('s1');
      read!.messages.push(message('x', 'injected', 0));
      expect((await store.get('s1'))?.messages).toHaveLength(0);
    });

    it('expires after the idle TTL, and activity refreshes it', async () => {
      const clock = { now: 0 };
      const store = await harness.make(clock);
      await store.create(session('s1', 0));
      clock.now = 900;
      await store.append('s1', [message('m1', 'still here', 900)]);
      clock.now = 1_800;
      expect(await store.get('s1')).toBeDefined();
      clock.now = 2_901;
      expect(await store.get('s1')).toBeUndefined();
      expect(await store.append('s1', [message('m2', 'late', clock.now)])).toBe(false);
    });

    it('expires at the absolute lifetime even when active', async () => {
      const clock = { now: 0 };
      const store = await harness.make(clock);
      await store.create(session('s1', 0, { expiresAt: 1_500 }));
      clock.now = 800;
      await store.append('s1', [message('m1', 'a', 800)]);
      clock.now = 1_500;
      expect(await store.get('s1')).toBeUndefined();
    });

    it('sweep purges expired sessions and reports their ids', async () => {
      const clock = { now: 0 };
      const store = await harness.make(clock);
      await store.create(session('old', 0));
      clock.now = 500;
      await store.create(session('new', 500));
      clock.now = 1_200;
      expect(await store.sweep(clock.now)).toEqual(['old']);
      expect(await store.size()).toBe(1);
    });

    it('counts live sessions per owner', async () => {
      const clock = { now: 0 };
      const store = await harness.make(clock);
      await store.create(session('a1', 0));
      await store.create(session('a2', 0));
      await store.create(session('b1', 0, { ownerId: 'owner-b' }));
      expect(await store.countByOwner('owner-a')).toBe(2);
      expect(await store.countByOwner('owner-b')).toBe(1);
      clock.now = 1_001;
      expect(await store.countByOwner('owner-a')).toBe(0);
    });

    it("lists live sessions per owner without their content, and never another owner's", async () => {
      const clock = { now: 0 };
      const store = await harness.make(clock);
      await store.create(session('a1', 0, { title: 'First', systemPrompt: 'Be brief.' }));
      await store.append('a1', [message('m1', 'secret content', 0)], { '[EMAIL_1]': 'a@b.c' });
      clock.now = 600;
      await store.create(session('a2', 600));
      await store.create(session('b1', 600, { ownerId: 'owner-b', title: 'Not yours' }));
      const listed = await store.listByOwner('owner-a');
      expect(listed.map((s) => s.id).sort()).toEqual(['a1', 'a2']);
      const first = listed.find((s) => s.id === 'a1')!;
      expect(first).toMatchObject({
        ownerId: 'owner-a',
        model: 'chat',
        title: 'First',
        systemPrompt: 'Be brief.',
        createdAt: 0,
      });
      expect(first).not.toHaveProperty('messages');
      expect(first).not.toHaveProperty('pseudonyms');
      expect((await store.listByOwner('owner-b')).map((s) => s.id)).toEqual(['b1']);
      expect(await store.listByOwner('owner-c')).toEqual([]);
      clock.now = 1_100;
      expect((await store.listByOwner('owner-a')).map((s) => s.id)).toEqual(['a2']);
      await store.delete('a2');
      expect(await store.listByOwner('owner-a')).toEqual([]);
    });

    it('patches the title and model without refreshing the idle timer', async () => {
      const clock = { now: 0 };
      const store = await harness.make(clock);
      await store.create(session('s1', 0));
      await store.append('s1', [message('m1', 'kept', 0)]);
      clock.now = 500;
      const patched = await store.patch('s1', { title: 'Renamed' });
      expect(patched).toMatchObject({ title: 'Renamed', model: 'chat', lastActiveAt: 0 });
      expect(patched?.messages.map((m) => m.content)).toEqual(['kept']);
      expect((await store.patch('s1', { model: 'big' }))?.title).toBe('Renamed');
      expect(await store.get('s1')).toMatchObject({ title: 'Renamed', model: 'big' });
      expect((await store.listByOwner('owner-a'))[0]).toMatchObject({ title: 'Renamed', model: 'big' });
      clock.now = 1_000;
      expect(await store.patch('s1', { title: 'Too late' })).toBeUndefined();
      expect(await store.patch('missing', { title: 'x' })).toBeUndefined();
    });

    it('deletes at once', async () => {
      const clock = { now: 0 };
      const store = await harness.make(clock);
      await store.create(session('s1', 0));
      expect(await store.delete('s1')).toBe(true);
      expect(await store.get('s1')).toBeUndefined();
      expect(await store.delete('s1')).toBe(false);
    });

    it('updates one message and truncates history', async () => {
      const clock = { now: 0 };
      const store = await harness.make(clock);
      await store.create(session('s1', 0));
      await store.append('s1', [message('m1', 'a', 0), message('m2', 'b', 0), message('m3', 'c', 0)]);
      expect(await store.updateMessage('s1', { ...message('m2', 'b', 0), feedback: { rating: 'up' } })).toBe(true);
      expect((await store.get('s1'))?.messages[1].feedback).toEqual({ rating: 'up' });
      expect(await store.updateMessage('s1', message('nope', 'x', 0))).toBe(false);
      expect(await store.truncate('s1', 1)).toBe(true);
      expect((await store.get('s1'))?.messages.map((m) => m.id)).toEqual(['m1']);
      expect(await store.truncate('gone', 0)).toBe(false);
      expect(await store.updateMessage('gone', message('m1', 'a', 0))).toBe(false);
    });

    it('loses nothing when two replicas append to one session at once', async () => {
      const clock = { now: 0 };
      const a = await harness.make(clock);
      const b = await harness.twin(a, clock);
      await a.create(session('s1', 0));
      const appends = Array.from({ length: 40 }, (_, i) =>
        (i % 2 ? a : b).append('s1', [message(`m${i}`, `text ${i}`, 0)]),
      );
      await Promise.all(appends);
      const read = await b.get('s1');
      expect(read?.messages.map((m) => m.id).sort()).toEqual(Array.from({ length: 40 }, (_, i) => `m${i}`).sort());
    });

    it('keeps the system prompt and the pseudonym map, and a later map replaces the earlier one', async () => {
      const clock = { now: 0 };
      const store = await harness.make(clock);
      await store.create(session('s1', 0, { systemPrompt: 'Be brief.' }));
      await store.append('s1', [], { '[EMAIL_1]': 'a@b.c' });
      await store.append('s1', [message('m1', 'x', 0)], { '[EMAIL_1]': 'a@b.c', '[PHONE_1]': '+1 555' });
      const read = await store.get('s1');
      expect(read?.systemPrompt).toBe('Be brief.');
      expect(read?.pseudonyms).toEqual({ '[EMAIL_1]': 'a@b.c', '[PHONE_1]': '+1 555' });
      expect(read?.ownerId).toBe('owner-a');
    });

    it('erasure through one replica is seen by the other at once', async () => {
      const clock = { now: 0 };
      const a = await harness.make(clock);
      const b = await harness.twin(a, clock);
      await a.create(session('s1', 0));
      await a.append('s1', [message('m1', 'secret', 0)], { '[EMAIL_1]': 'a@b.c' });
      expect(await b.delete('s1')).toBe(true);
      expect(await a.get('s1')).toBeUndefined();
      expect(await a.countByOwner('owner-a')).toBe(0);
    });

    it('a sweep by several replicas reports each expired session once', async () => {
      const clock = { now: 0 };
      const a = await harness.make(clock);
      const b = await harness.twin(a, clock);
      for (let i = 0; i < 5; i++) await a.create(session(`s${i}`, 0));
      clock.now = 1_001;
      const [one, two] = await Promise.all([a.sweep(clock.now), b.sweep(clock.now)]);
      expect([...one, ...two].sort()).toEqual(['s0', 's1', 's2', 's3', 's4']);
    });
  });
}
