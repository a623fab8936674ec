import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { startMockUpstream } from '../src/mock-upstream/index.js';
import type { MockUpstream } from '../src/mock-upstream/index.js';
import { startFloorProxy } from './floor-proxy.js';
import type { FloorProxy } from './floor-proxy.js';

describe('floor proxy', () => {
  let mock: MockUpstream;
  let floor: FloorProxy;

  beforeAll(async () => {
    mock = await startMockUpstream({ record: true });
    floor = await startFloorProxy({ upstream: mock.url, connections: 4 });
  });
  afterAll(async () => {
    await floor.close();
    await mock.close();
  });

  const body = (extra: Record<string, unknown> = {}): string =>
    JSON.stringify({ model: 'bench', messages: [{ role: 'user', content: 'hi' }], ...extra });

  it('forwards a JSON request unchanged and returns the upstream answer', async () => {
    mock.clearRequests();
    const res = await request(`${floor.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer k1', connection: 'keep-alive' },
      body: body(),
    });
    const json = (await res.body.json()) as { object: string; choices: Array<{ message: { content: string } }> };
    expect(res.statusCode).toBe(200);
    expect(json.object).toBe('chat.completion');
    expect(json.choices[0]?.message.content.length).toBeGreaterThan(0);
    const seen = mock.requests.at(-1);
    expect(seen?.path).toBe('/v1/chat/completions');
    expect(seen?.headers.authorization).toBe('Bearer k1');
    expect(seen?.body).toEqual(JSON.parse(body()));
  });

  it('streams SSE through, including usage and the terminator', async () => {
    const res = await request(`${floor.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: body({ stream: true, stream_options: { include_usage: true } }),
    });
    const text = await res.body.text();
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/event-stream');
    expect(text).toContain('"usage"');
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
  });

  it('passes upstream error statuses through', async () => {
    const res = await request(`${floor.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mock-scenario': '{"failFirst":1,"failStatus":429,"seed":7}' },
      body: body(),
    });
    await res.body.dump();
    expect(res.statusCode).toBe(429);
  });

  it('answers 502 when the upstream is unreachable', async () => {
    const dead = await startFloorProxy({ upstream: 'http://127.0.0.1:1' });
    try {
      const res = await request(`${dead.url}/v1/models`);
      const json = (await res.body.json()) as { error: { type: string } };
      expect(res.statusCode).toBe(502);
      expect(json.error.type).toBe('floor_proxy');
    } finally {
      await dead.close();
    }
  });
});
