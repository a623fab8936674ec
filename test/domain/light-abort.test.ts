// LightAbortController must behave like AbortController wherever Parley and undici use a signal.
import { describe, expect, it } from 'vitest';
import { Pool } from 'undici';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LightAbortController, ParleyError, abortError, abortableSleep } from '../../src/domain/index.js';

describe('LightAbortController', () => {
  it('runs each abort listener once, in order, with the reason set; removed listeners do not run', () => {
    const c = new LightAbortController();
    const seen: string[] = [];
    const removed = (): void => void seen.push('removed');
    c.signal.addEventListener('abort', () => seen.push(`first:${String(c.signal.aborted)}`));
    c.signal.addEventListener('abort', removed);
    c.signal.addEventListener('abort', { handleEvent: (event: Event) => seen.push(`object:${event.type}`) });
    c.signal.removeEventListener('abort', removed);
    const reason = new ParleyError('client_closed', 'gone');
    c.abort(reason);
    c.abort(new Error('second abort is ignored'));
    expect(seen).toEqual(['first:true', 'object:abort']);
    expect(c.signal.reason).toBe(reason);
    expect(abortError(c.signal)).toBe(reason);
    expect(() => c.signal.throwIfAborted()).toThrow(reason);
  });

  it('defaults the reason to an AbortError like AbortController, and ignores listeners added after abort', () => {
    const c = new LightAbortController();
    c.abort();
    expect(c.signal.reason).toBeInstanceOf(DOMException);
    expect((c.signal.reason as DOMException).name).toBe('AbortError');
    let late = false;
    c.signal.addEventListener('abort', () => (late = true));
    expect(late).toBe(false);
    expect(abortError(c.signal).code).toBe('client_closed');
  });

  it('cuts an abortableSleep short and leaves no listener behind when the sleep ends first', async () => {
    const c = new LightAbortController();
    await abortableSleep(1, c.signal);
    expect((c as unknown as { listeners?: unknown[] }).listeners ?? []).toHaveLength(0);
    const sleeping = abortableSleep(60_000, c.signal);
    c.abort(new ParleyError('upstream_timeout', 'too slow'));
    await expect(sleeping).rejects.toMatchObject({ code: 'upstream_timeout' });
  });

  it('aborts an undici request in flight, which is how the routing layer cancels upstream calls', async () => {
    const server = createServer(() => undefined); // never answers
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const pool = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    try {
      const c = new LightAbortController();
      const pending = pool.request({ path: '/', method: 'GET', signal: c.signal });
      setImmediate(() => c.abort(new ParleyError('upstream_timeout', 'first byte took too long')));
      await expect(pending).rejects.toMatchObject({ code: 'upstream_timeout' });
    } finally {
      await pool.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
