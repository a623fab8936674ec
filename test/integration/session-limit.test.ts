// Integration: sessions.maxSessionsPerOwner caps the live sessions of one principal, not of everyone.

import { describe, expect, it } from 'vitest';
import { KEYS, actingAs, postJson, standardYaml, startStack } from './harness.js';

describe('sessions per owner', () => {
  it('refuses one more session than the limit with a 429 that says what to do, and frees a slot on delete', async () => {
    const local = await startStack({
      yaml: standardYaml({ extra: 'sessions: { maxSessionsPerOwner: 2 }' }),
      env: { ...KEYS },
      principals: ['ann', 'bob'],
    });
    try {
      const create = (who: string) => postJson(`${local.url}/v1/sessions`, { model: 'chat' }, actingAs(local, who));
      const first = (await (await create('ann')).json()) as { id: string };
      expect((await create('ann')).status).toBe(201);
      const refused = await create('ann');
      expect(refused.status).toBe(429);
      const body = (await refused.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('rate_limited');
      expect(body.error.message).toMatch(/2 open sessions.*Delete one/);
      expect((await create('bob')).status).toBe(201);
      const deleted = await fetch(`${local.url}/v1/sessions/${first.id}`, {
        method: 'DELETE',
        headers: actingAs(local, 'ann'),
      });
      expect(deleted.status).toBe(204);
      expect((await create('ann')).status).toBe(201);
    } finally {
      await local.close();
    }
  });
});
