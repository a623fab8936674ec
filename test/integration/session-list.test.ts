// Integration: the chat list (GET /v1/sessions), rename and model switch (PATCH), and errors in plain words for end
// users.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KEYS, actingAs, modelRequests, postJson, standardYaml, startStack, type Stack } from './harness.js';

interface Summary {
  id: string;
  object: string;
  model: string;
  title?: string;
  system?: string;
  createdAt: string;
  lastActiveAt: string;
  expiresAt: string;
  messages?: unknown;
}

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    yaml: standardYaml({ retries: 0 }),
    env: { ...KEYS },
    principals: ['alice', 'bob'],
    captureLogs: true,
  });
});
afterAll(async () => stack?.close());
beforeEach(() => {
  stack.mock.resetScenario();
  stack.mock.clearRequests();
});

const as = (user: string) => actingAs(stack, user);

async function create(body: Record<string, unknown>, user = 'alice'): Promise<Summary> {
  const res = await postJson(`${stack.url}/v1/sessions`, body, as(user));
  expect(res.status).toBe(201);
  return (await res.json()) as Summary;
}

async function list(user = 'alice'): Promise<Summary[]> {
  const res = await fetch(`${stack.url}/v1/sessions`, { headers: as(user) });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { object: string; data: Summary[] };
  expect(body.object).toBe('list');
  return body.data;
}

function patch(id: string, body: unknown, user = 'alice'): Promise<Response> {
  return fetch(`${stack.url}/v1/sessions/${id}`, {
    method: 'PATCH',
    headers: { ...as(user), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function send(id: string, content: string, user = 'alice'): Promise<Response> {
  return postJson(`${stack.url}/v1/sessions/${id}/messages`, { content }, as(user));
}

describe('GET /v1/sessions', () => {
  it("lists the caller's own live sessions, most recently active first, with title, model, system prompt and expiry", async () => {
    const older = await create({ model: 'chat', title: 'Trip plans', system: 'Answer in French.' });
    const newer = await create({ model: 'solo', title: '  Budget  ' });
    await create({ model: 'chat', title: 'Bob only' }, 'bob');
    let mine = await list();
    expect(mine.map((s) => s.id)).toEqual([newer.id, older.id]);
    expect(mine[0]).toMatchObject({ object: 'session', model: 'solo', title: 'Budget' });
    expect(mine[1]).toMatchObject({ title: 'Trip plans', system: 'Answer in French.', model: 'chat' });
    expect(mine[1]).not.toHaveProperty('messages');
    expect(Date.parse(mine[1].expiresAt)).toBeGreaterThan(Date.now());
    expect((await list('bob')).map((s) => s.title)).toEqual(['Bob only']);

    expect((await send(older.id, 'bring me to the top')).status).toBe(200);
    mine = await list();
    expect(mine.map((s) => s.id)).toEqual([older.id, newer.id]);

    expect(
      (await fetch(`${stack.url}/v1/sessions/${older.id}`, { method: 'DELETE', headers: as('alice') })).status,
    ).toBe(204);
    expect((await list()).map((s) => s.id)).toEqual([newer.id]);
    expect(
      (await fetch(`${stack.url}/v1/sessions/${newer.id}`, { method: 'DELETE', headers: as('alice') })).status,
    ).toBe(204);
    expect(await list()).toEqual([]);
  });
});

describe('PATCH /v1/sessions/{id}', () => {
  it('renames a session; the title shows in the list and the session view', async () => {
    const session = await create({ model: 'chat' });
    expect(session.title).toBeUndefined();
    const res = await patch(session.id, { title: 'Renamed chat' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Summary).title).toBe('Renamed chat');
    expect((await list()).find((s) => s.id === session.id)?.title).toBe('Renamed chat');
    const read = (await (
      await fetch(`${stack.url}/v1/sessions/${session.id}`, { headers: as('alice') })
    ).json()) as Summary;
    expect(read.title).toBe('Renamed chat');
  });

  it("refuses another principal's session as missing, and bad bodies by name", async () => {
    const session = await create({ model: 'chat', title: 'Private' });
    expect((await patch(session.id, { title: 'Mine now' }, 'bob')).status).toBe(404);
    expect((await list()).find((s) => s.id === session.id)?.title).toBe('Private');
    const blank = await patch(session.id, { title: '   ' });
    expect(blank.status).toBe(400);
    expect(((await blank.json()) as { error: { param: string } }).error.param).toBe('title');
    const unknown = await patch(session.id, { colour: 'red' });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toContain('colour');
    expect((await patch(session.id, {})).status).toBe(400);
    const tooLong = await patch(session.id, { title: 'x'.repeat(201) });
    expect(tooLong.status).toBe(400);
    const noModel = await patch(session.id, { model: 'nope' });
    expect(noModel.status).toBe(404);
    expect(((await noModel.json()) as { error: { message: string } }).error.message).toContain('Available models');
  });

  it('switches the model mid-chat: the next turn goes to the new model with the whole history and the system prompt', async () => {
    const session = await create({ model: 'solo', system: 'Be brief.' });
    expect((await send(session.id, 'first question')).status).toBe(200);
    expect((modelRequests(stack.mock).at(-1)!.body as { model: string }).model).toBe('gpt-4o-mini');
    const switched = await patch(session.id, { model: 'anth' });
    expect(((await switched.json()) as Summary).model).toBe('anth');
    const res = await send(session.id, 'second question');
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { message: { model: string; content: string } };
    expect(answer.message.model).toBe('anth');
    const last = modelRequests(stack.mock).at(-1)!;
    expect(last.path).toBe('/v1/messages');
    const body = last.body as { model: string; system?: unknown; messages: { role: string; content: unknown }[] };
    expect(body.model).toBe('claude-haiku-4-5');
    expect(JSON.stringify(body.system)).toContain('Be brief.');
    expect(JSON.stringify(body.messages)).toContain('first question');
    expect(JSON.stringify(body.messages)).toContain('second question');
    const read = (await (await fetch(`${stack.url}/v1/sessions/${session.id}`, { headers: as('alice') })).json()) as {
      messages: { role: string; model?: string }[];
    };
    expect(read.messages.filter((m) => m.role === 'assistant').map((m) => m.model)).toEqual(['solo', 'anth']);
  });
});

describe('errors for end users', () => {
  it('say what happened without naming providers, upstream models, keys or circuits; the log keeps the detail', async () => {
    stack.mock.setScenario({ failFirst: 1000, failStatus: 500 });
    const session = await create({ model: 'chat' });
    const res = await send(session.id, 'will fail');
    expect(res.status).toBe(502);
    const body = (await res.json()) as { error: { message: string; code: string } };
    expect(body.error.code).toBe('upstream_server_error');
    expect(body.error.message).toBe('The AI model could not answer. Retry in a moment.');
    expect(body.error.message).not.toMatch(/main|backup|openai|anthropic|gpt|claude|key|circuit/i);
    const line = stack.logs.find(
      (l) => l.msg === 'request' && l.errorCode === 'upstream_server_error' && String(l.url ?? '').includes(session.id),
    );
    expect(String(line?.errorDetail)).toMatch(/\S/);

    const streamed = await postJson(
      `${stack.url}/v1/sessions/${session.id}/messages`,
      { content: 'again', stream: true },
      as('alice'),
    );
    expect(streamed.status).toBe(502);
    expect(((await streamed.json()) as { error: { message: string } }).error.message).toBe(
      'The AI model could not answer. Retry in a moment.',
    );
  });
});
