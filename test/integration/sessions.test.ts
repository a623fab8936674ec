// Integration: the session API end to end (create, read, send as JSON and SSE, regenerate, feedback, delete, ownership,
// failures).

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { estimateTokens } from '../../src/chat/prompt.js';
import { mockReplyText } from '../../src/mock-upstream/index.js';
import {
  KEYS,
  modelRequests,
  postJson,
  readSse,
  readUntil,
  standardYaml,
  startStack,
  waitFor,
  type Stack,
  actingAs,
} from './harness.js';

interface Message {
  id: string;
  role: string;
  content: string;
  createdAt: string;
  incomplete?: boolean;
  finishReason?: string;
  usage?: { inputTokens: number; outputTokens: number };
  feedback?: { rating: string; reason?: string };
}
interface SessionView {
  id: string;
  object: string;
  model: string;
  createdAt: string;
  expiresAt: string;
  messages: Message[];
}
interface SendResult {
  userMessage: Message;
  message: Message;
}

let stack: Stack;
const BUDGET = 90;

beforeAll(async () => {
  stack = await startStack({
    yaml: standardYaml({ contextTokens: BUDGET, extra: 'sessions: { idleTtl: 2s, sweepInterval: 50ms }' }),
    env: { ...KEYS },
    principals: ['alice', 'mallory'],
  });
});
afterAll(async () => stack?.close());
beforeEach(() => {
  stack.mock.resetScenario();
  stack.mock.clearRequests();
});

const as = (user: string): Record<string, string> => actingAs(stack, user);

async function create(body: Record<string, unknown> = { model: 'chat' }, user = 'alice'): Promise<SessionView> {
  const res = await postJson(`${stack.url}/v1/sessions`, body, as(user));
  expect(res.status).toBe(201);
  return (await res.json()) as SessionView;
}

async function send(id: string, body: Record<string, unknown>, user = 'alice'): Promise<Response> {
  return postJson(`${stack.url}/v1/sessions/${id}/messages`, body, as(user));
}

async function read(id: string, user = 'alice'): Promise<Response> {
  return fetch(`${stack.url}/v1/sessions/${id}`, { headers: as(user) });
}

/** Upstream messages of the last model request. */
function lastUpstreamMessages(): { role: string; content: string }[] {
  return (modelRequests(stack.mock).at(-1)!.body as { messages: { role: string; content: string }[] }).messages;
}

describe('session lifecycle', () => {
  it('creates, reads, answers as JSON, and deletes a session', async () => {
    const session = await create({ model: 'chat', system: 'You are terse.' });
    expect(session.object).toBe('session');
    expect(session.id).toMatch(/\S{8,}/);
    expect(session.model).toBe('chat');
    expect(session.messages).toEqual([]);
    // expiresAt shows the idle expiry (idleTtl 2s here), the sooner of idle and absolute lifetime.
    expect(Date.parse(session.expiresAt) - Date.parse(session.createdAt)).toBe(2_000);

    const res = await send(session.id, { content: 'first question' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBeTruthy();
    const result = (await res.json()) as SendResult;
    expect(result.userMessage).toMatchObject({ role: 'user', content: 'first question' });
    expect(result.message).toMatchObject({
      role: 'assistant',
      content: mockReplyText('first question', 16),
      finishReason: 'stop',
    });
    expect(result.message.usage?.outputTokens).toBe(16);
    expect(lastUpstreamMessages()).toEqual([
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'first question' },
    ]);

    const view = (await (await read(session.id)).json()) as SessionView;
    expect(view.messages.map((m) => [m.role, m.content])).toEqual([
      ['user', 'first question'],
      ['assistant', mockReplyText('first question', 16)],
    ]);
    expect(view.messages.map((m) => m.id)).toEqual([result.userMessage.id, result.message.id]);

    const del = await fetch(`${stack.url}/v1/sessions/${session.id}`, { method: 'DELETE', headers: as('alice') });
    expect(del.status).toBe(204);
    expect((await read(session.id)).status).toBe(404);
  });

  it('streams an answer as SSE events start, delta and done', async () => {
    const session = await create();
    const res = await send(session.id, { content: 'stream please', stream: true });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('cache-control')).toMatch(/no-cache/);
    expect(res.headers.get('x-accel-buffering')).toBe('no');
    const { events } = await readSse(res);
    expect(events[0].event).toBe('start');
    expect(events.at(-1)!.event).toBe('done');
    const deltas = events.filter((e) => e.event === 'delta');
    expect(deltas.length).toBe(16);
    expect(events.slice(1, -1).every((e) => e.event === 'delta')).toBe(true);
    const text = deltas.map((e) => (JSON.parse(e.data) as { text: string }).text).join('');
    expect(text).toBe(mockReplyText('stream please', 16));
    const start = JSON.parse(events[0].data) as { messageId: string; userMessage: Message };
    expect(start.userMessage.content).toBe('stream please');
    const done = JSON.parse(events.at(-1)!.data) as { message: Message };
    expect(done.message).toMatchObject({ id: start.messageId, role: 'assistant', content: text });
    const view = (await (await read(session.id)).json()) as SessionView;
    expect(view.messages.at(-1)).toMatchObject({ id: start.messageId, content: text });
  });

  it('sends earlier turns upstream, trimmed oldest-first to the model context budget', async () => {
    const session = await create({ model: 'chat', system: 'Be brief.' });
    const turns = [
      'alpha question number one here',
      'bravo question number two here',
      'charlie question number three',
      'delta question number four',
    ];
    for (const content of turns.slice(0, 2)) expect((await send(session.id, { content })).status).toBe(200);
    // Second turn: the whole history still fits.
    expect(lastUpstreamMessages().map((m) => m.content)).toEqual([
      'Be brief.',
      turns[0],
      mockReplyText(turns[0], 16),
      turns[1],
    ]);

    for (const content of turns.slice(2)) expect((await send(session.id, { content })).status).toBe(200);
    const upstream = lastUpstreamMessages();
    const view = (await (await read(session.id)).json()) as SessionView;
    const full = [
      { role: 'system', content: 'Be brief.' },
      ...view.messages.slice(0, -1).map((m) => ({ role: m.role, content: m.content })),
    ];
    // System prompt kept, newest message last, older turns dropped, and the rest is a contiguous suffix.
    expect(upstream[0]).toEqual(full[0]);
    expect(upstream.at(-1)).toEqual({ role: 'user', content: turns[3] });
    expect(upstream.length).toBeLessThan(full.length);
    expect(upstream.slice(1)).toEqual(full.slice(full.length - (upstream.length - 1)));
    expect(upstream.some((m) => m.content === turns[0])).toBe(false);
    const size = upstream.reduce((sum, m) => sum + estimateTokens({ role: m.role as 'user', content: m.content }), 0);
    expect(size).toBeLessThanOrEqual(BUDGET);
  });

  it('refuses a single message larger than the context budget with a 400 that says how to fix it', async () => {
    const session = await create();
    const res = await send(session.id, { content: 'word '.repeat(200) });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { message: string } };
    expect(body.error.message).toMatch(/too long|budget/);
  });

  it('regenerates from a user message with replaceFrom', async () => {
    const session = await create();
    const first = (await (await send(session.id, { content: 'original text' })).json()) as SendResult;
    await send(session.id, { content: 'follow up' });
    const redo = await send(session.id, { content: 'edited text', replaceFrom: first.userMessage.id });
    expect(redo.status).toBe(200);
    expect(lastUpstreamMessages()).toEqual([{ role: 'user', content: 'edited text' }]);
    const view = (await (await read(session.id)).json()) as SessionView;
    expect(view.messages.map((m) => m.content)).toEqual(['edited text', mockReplyText('edited text', 16)]);

    const bad = await send(session.id, { content: 'x', replaceFrom: view.messages[1].id });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/replaceFrom/);
  });

  it('records feedback on an assistant message', async () => {
    const session = await create();
    const turn = (await (await send(session.id, { content: 'rate me' })).json()) as SendResult;
    const url = (messageId: string) => `${stack.url}/v1/sessions/${session.id}/messages/${messageId}/feedback`;
    const res = await postJson(url(turn.message.id), { rating: 'up', reason: 'helpful' }, as('alice'));
    expect(res.status).toBe(200);
    expect(((await res.json()) as Message).feedback).toEqual({ rating: 'up', reason: 'helpful' });
    const view = (await (await read(session.id)).json()) as SessionView;
    expect(view.messages[1].feedback).toEqual({ rating: 'up', reason: 'helpful' });

    expect((await postJson(url(turn.userMessage.id), { rating: 'down' }, as('alice'))).status).toBe(404);
    expect(
      (await postJson(url(turn.message.id), { rating: 'down', reason: 'free text is not kept' }, as('alice'))).status,
    ).toBe(400);
    expect((await postJson(url(turn.message.id), { rating: 'sideways' }, as('alice'))).status).toBe(400);
  });

  it('rejects an unknown model and unknown fields at creation', async () => {
    expect((await postJson(`${stack.url}/v1/sessions`, { model: 'nope' })).status).toBe(404);
    expect((await postJson(`${stack.url}/v1/sessions`, { model: 'chat', temperature: 1 })).status).toBe(400);
  });
});

describe('deletion', () => {
  it('purges a session at once on DELETE', async () => {
    const session = await create();
    await send(session.id, { content: 'secret stuff' });
    const del = await fetch(`${stack.url}/v1/sessions/${session.id}`, { method: 'DELETE', headers: as('alice') });
    expect(del.status).toBe(204);
    expect((await read(session.id)).status).toBe(404);
    stack.mock.clearRequests();
    expect((await send(session.id, { content: 'still there?' })).status).toBe(404);
    expect(modelRequests(stack.mock)).toHaveLength(0);
    expect(
      (await fetch(`${stack.url}/v1/sessions/${session.id}`, { method: 'DELETE', headers: as('alice') })).status,
    ).toBe(404);
  });
});

describe('ownership', () => {
  it('answers another principal exactly as for a missing session', async () => {
    const session = await create({ model: 'chat' }, 'alice');
    await send(session.id, { content: 'private' }, 'alice');
    stack.mock.clearRequests();

    const theirs = await read(session.id, 'mallory');
    const missing = await read('ses_doesnotexist', 'mallory');
    expect(theirs.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(await theirs.text()).toBe(await missing.text());

    expect((await send(session.id, { content: 'let me in' }, 'mallory')).status).toBe(404);
    const del = await fetch(`${stack.url}/v1/sessions/${session.id}`, { method: 'DELETE', headers: as('mallory') });
    expect(del.status).toBe(404);
    expect(modelRequests(stack.mock)).toHaveLength(0);
    // The owner still has it, untouched.
    const view = (await (await read(session.id, 'alice')).json()) as SessionView;
    expect(view.messages).toHaveLength(2);
  });
});

describe('odd ids', () => {
  it('answers an over-long session id like a missing one (404 in the OpenAI envelope)', async () => {
    const missing = await read('ses_doesnotexist');
    const long = await read(`ses_${'x'.repeat(200)}`);
    expect(long.headers.get('content-type')).toMatch(/application\/json/);
    const body = (await long.json()) as { error?: { message?: string; type?: string } };
    expect(body.error?.type, JSON.stringify(body)).toBe('not_found_error');
    expect(long.status).toBe(404);
    expect(missing.status).toBe(404);
  });
});

describe('failures keep what the user typed', () => {
  it('keeps the user message when every route fails before any content', async () => {
    const session = await create();
    stack.mock.setScenario({ errorRates: { 500: 1 } });
    const res = await send(session.id, { content: 'do not lose me' });
    expect(res.status).toBe(502);
    const view = (await (await read(session.id)).json()) as SessionView;
    expect(view.messages.map((m) => [m.role, m.content])).toEqual([['user', 'do not lose me']]);

    stack.mock.resetScenario();
    const retry = await send(session.id, { content: 'second try' });
    expect(retry.status).toBe(200);
    expect(lastUpstreamMessages().map((m) => m.content)).toEqual(['do not lose me', 'second try']);
  });

  it('aborts the upstream when the client leaves mid-answer, keeping the partial answer as incomplete', async () => {
    const session = await create();
    stack.mock.setScenario({ tokens: 200, tokenDelayMs: 20 });
    const controller = new AbortController();
    const res = await postJson(
      `${stack.url}/v1/sessions/${session.id}/messages`,
      { content: 'long one', stream: true },
      as('alice'),
      controller.signal,
    );
    const { reader } = await readUntil(res, (text) => text.includes('event: delta'));
    controller.abort();
    await reader.cancel().catch(() => undefined);
    await waitFor(() => stack.mock.stats.open === 0, 'the upstream request to be aborted', 1_000);
    let view: SessionView | undefined;
    await waitFor(
      async () => {
        view = (await (await read(session.id)).json()) as SessionView;
        return view.messages.length === 2;
      },
      'the partial answer to be stored',
      1_000,
    );
    expect(view!.messages[0]).toMatchObject({ role: 'user', content: 'long one' });
    expect(view!.messages[1]).toMatchObject({ role: 'assistant', incomplete: true });
    expect(mockReplyText('long one', 200).startsWith(view!.messages[1].content)).toBe(true);
  });

  it('ends a stream cut after content with an error event and stores the partial answer as incomplete', async () => {
    const session = await create();
    stack.mock.setScenario({ resetAfterTokens: 4, tokenDelayMs: 5 });
    const res = await send(session.id, { content: 'cut me off', stream: true });
    const { events } = await readSse(res);
    expect(events.at(-1)!.event).toBe('error');
    expect(events.some((e) => e.event === 'done')).toBe(false);
    const error = JSON.parse(events.at(-1)!.data) as { error: { message: string } };
    expect(error.error.message).toBeTruthy();
    const view = (await (await read(session.id)).json()) as SessionView;
    expect(view.messages[0]).toMatchObject({ role: 'user', content: 'cut me off' });
    expect(view.messages[1]).toMatchObject({ role: 'assistant', incomplete: true });
    expect(mockReplyText('cut me off', 16).startsWith(view.messages[1].content)).toBe(true);
    expect(view.messages[1].content.length).toBeGreaterThan(0);
  });
});
