// Recording and the admin API of the mock upstream.

import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockUpstream } from '../../src/mock-upstream/index.js';
import type { MockUpstream } from '../../src/mock-upstream/index.js';
import { get, openaiBody, post } from './helpers.js';

let mock: MockUpstream;
beforeAll(async () => {
  mock = await startMockUpstream({ scenario: { tokens: 3 } });
});
afterAll(async () => {
  await mock.close();
});

async function send(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await request(`${mock.url}${path}`, {
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.statusCode, json: (await res.body.json()) as Record<string, unknown> };
}

describe('mock upstream: recording', () => {
  it('records method, path, headers and parsed body of what reached it', async () => {
    mock.clearRequests();
    const body = openaiBody({ messages: [{ role: 'user', content: 'my email is [EMAIL_1]' }] });
    await post(`${mock.url}/v1/chat/completions?x=1`, body, { authorization: 'Bearer sk-recorded', 'x-custom': 'yes' });
    await post(`${mock.url}/v1/chat/completions`, 'not json');
    expect(mock.requests).toHaveLength(2);
    const [first, second] = mock.requests;
    expect(first).toMatchObject({
      method: 'POST',
      path: '/v1/chat/completions',
      url: '/v1/chat/completions?x=1',
      body,
    });
    expect(first.headers).toMatchObject({ authorization: 'Bearer sk-recorded', 'x-custom': 'yes' });
    expect(typeof first.receivedAt).toBe('number');
    expect(second.body).toBe('not json');
    mock.clearRequests();
    expect(mock.requests).toHaveLength(0);
  });

  it('does not record when record is false', async () => {
    const quiet = await startMockUpstream({ record: false });
    try {
      expect((await post(`${quiet.url}/v1/chat/completions`, openaiBody())).status).toBe(200);
      expect(quiet.requests).toHaveLength(0);
      expect(quiet.stats.requests).toBe(1);
    } finally {
      await quiet.close();
    }
  });
});

describe('mock upstream: admin API', () => {
  it('sets, reads and resets the scenario over HTTP', async () => {
    const set = await send('POST', '/__mock/scenario', { tokens: 5, failFirst: 1, failStatus: 503 });
    expect(set.status).toBe(200);
    expect(set.json.scenario).toMatchObject({ tokens: 5, failFirst: 1, failStatus: 503 });
    expect(mock.scenario.tokens).toBe(5);
    expect((await post(`${mock.url}/v1/chat/completions`, openaiBody())).status).toBe(503);
    const ok = await post(`${mock.url}/v1/chat/completions`, openaiBody());
    expect(JSON.parse(ok.text).usage.completion_tokens).toBe(5);
    const reset = await send('DELETE', '/__mock/scenario');
    expect(reset.json.scenario).toMatchObject({ tokens: 3, failFirst: 0 });
    expect((await send('GET', '/__mock/scenario')).json.scenario).toMatchObject({ tokens: 3 });
  });

  it('rejects an invalid scenario with a message naming the field', async () => {
    const bad = await send('POST', '/__mock/scenario', { malformed: 'nonsense' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.json)).toContain('scenario.malformed');
    expect(mock.scenario.malformed).toBeNull();
  });

  it('lists and clears recorded requests, and reports stats, without recording itself', async () => {
    mock.clearRequests();
    await post(`${mock.url}/v1/chat/completions`, openaiBody());
    const listed = await get(`${mock.url}/__mock/requests`);
    const requests = JSON.parse(listed.text).requests as Array<{ path: string }>;
    expect(requests.map((r) => r.path)).toEqual(['/v1/chat/completions']);
    expect((await send('DELETE', '/__mock/requests')).json.requests).toEqual([]);
    expect(mock.requests).toHaveLength(0);
    const stats = (await send('GET', '/__mock/stats')).json;
    expect(stats.requests).toBe(mock.stats.requests);
    expect(stats.open).toBe(1);
  });
});
