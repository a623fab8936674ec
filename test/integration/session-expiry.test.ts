// Integration: session expiry — idle TTL, activity keeping a session alive, and the absolute lifetime.

import { describe, expect, it } from 'vitest';
import { KEYS, postJson, standardYaml, startStack, waitFor } from './harness.js';

interface SessionView {
  id: string;
}

describe('session expiry', () => {
  it('expires an idle session (idle TTL) and then answers 404', async () => {
    const local = await startStack({
      yaml: standardYaml({ extra: 'sessions: { idleTtl: 300ms, sweepInterval: 50ms }' }),
      env: { ...KEYS },
    });
    try {
      // Taken before the session exists: its idle clock starts later (at the POST or the GET), never earlier, however
      // slowly a busy machine answers.
      const created = Date.now();
      const res = await postJson(`${local.url}/v1/sessions`, { model: 'chat' });
      const { id } = (await res.json()) as SessionView;
      expect((await fetch(`${local.url}/v1/sessions/${id}`)).status).toBe(200);
      await waitFor(
        async () => (await fetch(`${local.url}/v1/sessions/${id}`)).status === 404,
        'the idle session to expire',
        3_000,
      );
      expect(Date.now() - created).toBeGreaterThanOrEqual(250);
    } finally {
      await local.close();
    }
  });

  it('keeps a session alive while it is used, then expires it once idle', async () => {
    const local = await startStack({
      // An idle TTL of 15 turns of 40 ms: a turn slowed by a busy machine does not leave the session idle that long.
      yaml: standardYaml({ extra: 'sessions: { idleTtl: 600ms, sweepInterval: 50ms }' }),
      env: { ...KEYS },
    });
    try {
      local.mock.setScenario({ latencyMs: 40 });
      const { id } = (await (await postJson(`${local.url}/v1/sessions`, { model: 'chat' })).json()) as SessionView;
      const started = Date.now();
      while (Date.now() - started < 1_400) {
        expect((await postJson(`${local.url}/v1/sessions/${id}/messages`, { content: 'ping' })).status).toBe(200);
      }
      expect((await fetch(`${local.url}/v1/sessions/${id}`)).status).toBe(200);
      await waitFor(
        async () => (await fetch(`${local.url}/v1/sessions/${id}`)).status === 404,
        'the now idle session to expire',
        3_000,
      );
    } finally {
      await local.close();
    }
  });

  it('expires an active session at its absolute lifetime', async () => {
    const local = await startStack({
      yaml: standardYaml({ extra: 'sessions: { idleTtl: 10m, maxLifetime: 400ms, sweepInterval: 50ms }' }),
      env: { ...KEYS },
    });
    try {
      const created = Date.now(); // before the session exists: its lifetime starts later
      const { id } = (await (await postJson(`${local.url}/v1/sessions`, { model: 'chat' })).json()) as SessionView;
      // Keep it busy: activity does not extend the absolute lifetime.
      await waitFor(
        async () =>
          (await postJson(`${local.url}/v1/sessions/${id}/messages`, { content: 'still here' })).status === 404,
        'the session to reach its lifetime',
        3_000,
      );
      expect(Date.now() - created).toBeGreaterThanOrEqual(350);
      expect((await fetch(`${local.url}/v1/sessions/${id}`)).status).toBe(404);
    } finally {
      await local.close();
    }
  });
});
