// Traffic through every path of a real Parley (chat, stream, sessions, errors, retries, fallbacks) carrying canaries.

import { sseData, startTelemetryStack, type TelemetryStack } from './stack.js';

/** Conversation content that must never leave the session store. */
export const CONTENT_CANARIES = [
  'CANARY-CONTENT-7f3a',
  'CANARY-SESSION-5e21',
  'CANARY-SYSTEM-0b6d',
  'CANARY-REPLY-19c4',
  'canary.person@example.org',
  'verboten',
];
/** Provider keys, referenced from the configuration as env: secrets. */
export const ENV = {
  MAIN_KEY: 'sk-canary-main-0001aa',
  BACKUP_KEY: 'sk-canary-backup-0002bb',
  LOCKED_KEY: 'sk-canary-locked-0003cc',
};
/** A bearer credential Parley does not know (sent to get 401s). */
export const BOGUS_KEY = 'parley_sk-canary-bogus-0004dd';

/** Three providers on one mock: `locked`'s key is refused by the mock (upstream 401). */
export const TRAFFIC_YAML = `providers:
  - { id: main, type: openai, baseUrl: "\${MOCK}/v1", apiKeys: ["env:MAIN_KEY"], retry: { retries: 1, baseDelay: 1ms, maxDelay: 2ms }, breaker: { failureThreshold: 50 } }
  - { id: backup, type: openai, baseUrl: "\${MOCK}/v1", apiKeys: ["env:BACKUP_KEY"], retry: { retries: 0 } }
  - { id: locked, type: openai, baseUrl: "\${MOCK}/v1", apiKeys: ["env:LOCKED_KEY"], retry: { retries: 0 } }
models:
  - { name: fast, targets: [{ provider: main, model: gpt-4o-mini }] }
  - { name: chain, targets: [{ provider: main, model: gpt-4o-mini, retry: { retries: 0 } }, { provider: backup, model: gpt-4o }] }
  - { name: locked, targets: [{ provider: locked, model: gpt-4o }] }
cache: { mode: opt-in }
safety: { output: { rules: [{ category: test-words, action: redact, words: [verboten] }] } }
rateLimits: { requestsPerMinute: 0, tokensPerMinute: 0, concurrentStreams: 1 }
`;

/** Starts a stack with the traffic configuration (the mock only accepts the main and backup keys). */
export function startTrafficStack(tracing?: { sampleRatio: number; exportDelayMs?: number }): Promise<TelemetryStack> {
  return startTelemetryStack({
    yaml: TRAFFIC_YAML,
    env: ENV,
    mock: { validKeys: [ENV.MAIN_KEY, ENV.BACKUP_KEY] },
    tracing,
  });
}

/** Identifiers the traffic used: none of them may become a metric label. */
export interface TrafficIds {
  user: { secret: string; id: string };
  auditor: { secret: string; id: string };
  sessionIds: string[];
  messageIds: string[];
  /** The request id of the turn the client abandoned mid-stream. */
  abandonedRequestId: string | null;
  /** Expected counts, for the metric checks. */
  expect: {
    feedbackUp: number;
    feedbackDown: number;
    completed: number;
    abandoned: number;
    cacheHits: number;
    fiveHundreds: number;
  };
}

/** Drives one request of every kind; returns what was used. Throws when a step answers unexpectedly. */
export async function driveTraffic(s: TelemetryStack): Promise<TrafficIds> {
  const [c1, s1, , r1, email] = CONTENT_CANARIES;
  const user = await s.createKey('user', 'telemetry user');
  const auditor = await s.createKey('auditor', 'telemetry auditor');
  const expectStatus = async (what: string, p: Promise<{ status: number; text: string }>, status: number) => {
    const res = await p;
    if (res.status !== status)
      throw new Error(`${what}: expected ${status}, got ${res.status} ${res.text.slice(0, 300)}`);
    return res;
  };
  const chat = (body: Record<string, unknown>, headers?: Record<string, string>) =>
    s.call('POST', '/v1/chat/completions', user.secret, body, headers);
  const ask = (model: string, text: string, extra: Record<string, unknown> = {}) => ({
    model,
    messages: [{ role: 'user', content: text }],
    ...extra,
  });

  s.mock.setScenario({ replyText: `${r1} says verboten things` });
  const first = await expectStatus('plain chat with an email', chat(ask('fast', `${c1} mail ${email}`)), 200);
  if (!first.text.includes(r1) || !first.text.includes('[removed]'))
    throw new Error('the reply canary did not reach the client, redacted by the output policy');
  const streamed = await expectStatus(
    'streamed chat',
    chat(ask('fast', c1, { stream: true, stream_options: { include_usage: true } })),
    200,
  );
  if (sseData(streamed.text).at(-1) !== '[DONE]') throw new Error('stream did not finish');
  await expectStatus(
    'cached chat (miss)',
    chat(ask('fast', `${c1} cache`, { temperature: 0 }), { 'x-parley-cache': 'use' }),
    200,
  );
  await expectStatus(
    'cached chat (hit)',
    chat(ask('fast', `${c1} cache`, { temperature: 0 }), { 'x-parley-cache': 'use' }),
    200,
  );

  s.mock.setScenario({ failFirst: 1, failStatus: 500 });
  await expectStatus('chat after one retry', chat(ask('fast', c1)), 200);
  s.mock.setScenario({ failFirst: 1, failStatus: 503 });
  await expectStatus('chat after a fallback', chat(ask('chain', c1, { stream: true })), 200);
  s.mock.setScenario({ failFirst: 10, failStatus: 502 });
  await expectStatus('chat whose upstream fails', chat(ask('fast', c1)), 502);
  s.mock.setScenario({ failFirst: 0, replyText: null, tokens: 60, resetAfterTokens: 40 });
  await expectStatus('stream cut by the upstream', chat(ask('fast', c1, { stream: true })), 200);
  s.mock.setScenario({ resetAfterTokens: null, replyText: `${r1} says verboten things` });
  await expectStatus('provider refuses the key', chat(ask('locked', c1)), 503);

  await expectStatus('unknown key', s.call('POST', '/v1/chat/completions', BOGUS_KEY, ask('fast', c1)), 401);
  await expectStatus('invalid body', chat({ model: 'fast', messages: [{ role: 'wizard', content: c1 }] }), 400);
  await expectStatus(
    'blocked secret in prompt',
    chat(ask('fast', `${c1} -----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----`)),
    422,
  );
  await expectStatus('user reads metrics', s.call('GET', '/metrics', user.secret), 403);

  // Sessions: a system prompt, JSON and streamed turns, feedback, one abandoned turn, a delete.
  const created = await expectStatus(
    'session create',
    s.call('POST', '/v1/sessions', user.secret, { model: 'fast', system: CONTENT_CANARIES[2] }),
    201,
  );
  const sessionId = (JSON.parse(created.text) as { id: string }).id;
  const turn = await expectStatus(
    'session turn',
    s.call('POST', `/v1/sessions/${sessionId}/messages`, user.secret, { content: `${s1} mail ${email}` }),
    200,
  );
  const messageId = (JSON.parse(turn.text) as { message: { id: string } }).message.id;
  const turn2 = await expectStatus(
    'streamed session turn',
    s.call('POST', `/v1/sessions/${sessionId}/messages`, user.secret, { content: s1, stream: true }),
    200,
  );
  const done = sseData(turn2.text)
    .map((d) => JSON.parse(d) as { message?: { id: string } })
    .find((d) => d.message)?.message;
  if (!done) throw new Error('no done event');
  await expectStatus(
    'feedback up',
    s.call('POST', `/v1/sessions/${sessionId}/messages/${messageId}/feedback`, user.secret, {
      rating: 'up',
      reason: 'helpful',
    }),
    200,
  );
  await expectStatus(
    'feedback down',
    s.call('POST', `/v1/sessions/${sessionId}/messages/${done.id}/feedback`, user.secret, {
      rating: 'down',
      reason: 'too-slow',
    }),
    200,
  );
  await expectStatus('session read', s.call('GET', `/v1/sessions/${sessionId}`, user.secret), 200);
  const other = await expectStatus(
    'second session',
    s.call('POST', '/v1/sessions', user.secret, { model: 'chain' }),
    201,
  );
  const otherId = (JSON.parse(other.text) as { id: string }).id;

  // Rate limit: a second answer while one is in progress (concurrentStreams: 1) is refused.
  s.mock.setScenario({ ttftMs: 300 });
  const slow = chat(ask('fast', c1));
  await new Promise((resolve) => setTimeout(resolve, 100));
  await expectStatus('concurrent answer refused', chat(ask('fast', c1)), 429);
  await expectStatus('slow answer', slow, 200);

  // An abandoned turn: the client leaves mid-stream.
  s.mock.setScenario({ ttftMs: 0, tokenDelayMs: 40, replyText: null, tokens: 40 });
  const abort = new AbortController();
  const res = await fetch(`${s.parley.url}/v1/sessions/${otherId}/messages`, {
    method: 'POST',
    signal: abort.signal,
    headers: { authorization: `Bearer ${user.secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ content: s1, stream: true }),
  });
  const reader = res.body!.getReader();
  let seen = '';
  while (!seen.includes('event: delta')) seen += new TextDecoder().decode((await reader.read()).value);
  abort.abort();
  await reader.cancel().catch(() => undefined);
  const abandonedRequestId = res.headers.get('x-request-id');
  await waitFor(
    async () => /parley_conversations_total\{outcome="abandoned"\} 1\b/.test(await s.parley.metrics.render()),
    'abandoned turn counted',
  );
  s.mock.resetScenario();
  await expectStatus('session delete', s.call('DELETE', `/v1/sessions/${otherId}`, user.secret), 204);

  return {
    user,
    auditor,
    abandonedRequestId,
    sessionIds: [sessionId, otherId],
    messageIds: [messageId, done.id],
    expect: { feedbackUp: 1, feedbackDown: 1, completed: 2, abandoned: 1, cacheHits: 1, fiveHundreds: 2 },
  };
}

/** Polls `check` every 20 ms until true, failing after 5 s. */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
