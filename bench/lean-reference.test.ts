import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { verifyAuditFile } from '../src/compose/audit-file.js';
import { startMockUpstream } from '../src/mock-upstream/index.js';
import type { MockUpstream } from '../src/mock-upstream/index.js';
import { generateApiKey } from '../src/security/api-key-format.js';
import { startLeanReference } from './lean-reference.js';
import type { LeanReference } from './lean-reference.js';

// The lean reference is only a yardstick, but its figures are quoted: it must really do the duties it claims.
describe('lean reference', () => {
  const key = generateApiKey().secret;
  let dir: string;
  let mock: MockUpstream;
  let lean: LeanReference;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'parley-lean-test-'));
    mock = await startMockUpstream({ record: true });
    lean = await startLeanReference({ upstream: mock.url, apiKey: key, auditFile: join(dir, 'audit.jsonl') });
  });
  afterAll(async () => {
    await lean?.close();
    await mock?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const post = (body: unknown, authorization = `Bearer ${key}`) =>
    request(`${lean.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body: JSON.stringify(body),
    });

  it('answers a chat completion with the headers Parley sends, and pseudonymises before the upstream', async () => {
    mock.clearRequests();
    const res = await post({
      model: 'bench',
      messages: [{ role: 'user', content: 'Mail me at jane.doe@example.com please' }],
    });
    const json = (await res.body.json()) as {
      object: string;
      model: string;
      choices: { message: { content: string } }[];
    };
    expect(res.statusCode).toBe(200);
    expect(json.object).toBe('chat.completion');
    expect(json.model).toBe('bench');
    expect(json.choices[0]?.message.content.length).toBeGreaterThan(0);
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(res.headers['x-parley-overhead-ms'])).toBeGreaterThanOrEqual(0);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    const sent = JSON.stringify(mock.requests.at(-1)?.body);
    expect(sent).not.toContain('jane.doe@example.com');
    expect(sent).toContain('Mail me at');
  });

  it('streams the answer as Parley does: SSE headers, role, content, finish, usage, [DONE]', async () => {
    const res = await post({
      model: 'bench',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const text = await res.body.text();
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream');
    expect(res.headers['x-accel-buffering']).toBe('no');
    expect(res.headers['x-frame-options']).toBe('DENY');
    const frames = text
      .split('\n\n')
      .filter(Boolean)
      .map((frame) => frame.replace(/^data: /, ''));
    expect(frames.at(-1)).toBe('[DONE]');
    const chunks = frames.slice(0, -1).map(
      (frame) =>
        JSON.parse(frame) as {
          model: string;
          choices: { delta?: { role?: string; content?: string }; finish_reason: string | null }[];
          usage: unknown;
        },
    );
    expect(chunks[0]?.choices[0]?.delta?.role).toBe('assistant');
    const content = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
    expect(content.length).toBeGreaterThan(0);
    expect(chunks.filter((c) => c.choices[0]?.finish_reason === 'stop')).toHaveLength(1);
    expect(chunks.at(-1)?.usage).toMatchObject({
      prompt_tokens: expect.any(Number),
      completion_tokens: expect.any(Number),
    });
    expect(chunks.every((c) => c.model === 'bench')).toBe(true);
  });

  it('refuses a wrong key with 401 and an invalid body with 400, without calling the upstream', async () => {
    mock.clearRequests();
    const wrong = await post({ model: 'bench', messages: [{ role: 'user', content: 'hi' }] }, 'Bearer prl_wrong');
    await wrong.body.dump();
    const invalid = await post({ model: 'bench', messages: [] });
    await invalid.body.dump();
    expect(wrong.statusCode).toBe(401);
    expect(wrong.headers['x-content-type-options']).toBe('nosniff');
    expect(invalid.statusCode).toBe(400);
    expect(mock.requests).toHaveLength(0);
  });

  it('writes one hash-chained audit event per decision that Parley’s verifier accepts', async () => {
    await lean.close();
    const result = await verifyAuditFile(join(dir, 'audit.jsonl'));
    // Four requests reached the access check: three accepted keys (one body then failed validation), one wrong key.
    expect(result).toMatchObject({ ok: true, records: 4 });
  });
});
