// Replays Claude Code request sequences against /v1/messages, with both target types: the requests the real Claude Code
// 2.1.332 sent through Parley (test/fixtures/claude-code/recorded-2.1.332.json, written by
// scripts/record-claude-code.ts)
// and a longer hand-written session (test/fixtures/claude-code/session.json: thinking signatures, tool errors).

import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  KEYS,
  modelRequests,
  parseSse,
  postJson,
  standardYaml,
  startStack,
  type SseEvent,
  type Stack,
} from '../integration/harness.js';

interface Recorded {
  note: string;
  headers: Record<string, string>;
  expect: { stream: boolean; stop_reason?: string; stop_reason_openai_target?: string };
  body: Record<string, unknown> & { model: string; messages: unknown[] };
}
interface Session {
  models: { main: string; small: string };
  requests: Recorded[];
}

const session = JSON.parse(
  await readFile(new URL('../fixtures/claude-code/session.json', import.meta.url), 'utf8'),
) as Session;

interface Exchange {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: Record<string, unknown> & { model: string; messages: { role: string; content: unknown }[] };
  status: number;
  response: string;
}
interface Recording {
  client: string;
  runs: {
    target: 'anthropic' | 'openai';
    model: string;
    workDir: string;
    exitCode: number;
    stdout: string;
    exchanges: Exchange[];
  }[];
}
const recording = JSON.parse(
  await readFile(new URL('../fixtures/claude-code/recorded-2.1.332.json', import.meta.url), 'utf8'),
) as Recording;
/** Headers of the connection, not of the request (the key is the stack's own). */
const HOP = ['host', 'content-length', 'connection', 'accept-encoding', 'authorization'];
const CONTACT = 'ann.lee@example.com';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    yaml: standardYaml({ retries: 0, firstByte: '2s' }),
    env: { ...KEYS },
    principals: ['agent'],
  });
});
afterAll(async () => stack?.close());
beforeEach(() => {
  stack.mock.resetScenario();
  stack.mock.clearRequests();
});

/** Checks the stream is a well-formed Messages API stream; returns the stop reason. */
function checkStream(events: SseEvent[]): string {
  const names = events.map((e) => e.event);
  expect(names[0]).toBe('message_start');
  expect(names[1]).toBe('ping');
  expect(names.at(-1)).toBe('message_stop');
  expect(names.at(-2)).toBe('message_delta');
  const open = new Set<number>();
  const seen = new Set<number>();
  for (const e of events) {
    const data = JSON.parse(e.data) as {
      type: string;
      index?: number;
      delta?: { type?: string; stop_reason?: string };
    };
    expect(data.type).toBe(e.event);
    if (e.event === 'content_block_start') {
      expect(seen.has(data.index!)).toBe(false);
      open.add(data.index!);
      seen.add(data.index!);
    } else if (e.event === 'content_block_delta') {
      expect(open.has(data.index!)).toBe(true);
      expect(['text_delta', 'input_json_delta', 'thinking_delta', 'signature_delta']).toContain(data.delta?.type);
    } else if (e.event === 'content_block_stop') {
      expect(open.delete(data.index!)).toBe(true);
    }
  }
  expect(open.size).toBe(0);
  return (JSON.parse(events.at(-2)!.data) as { delta: { stop_reason: string } }).delta.stop_reason;
}

describe.each(recording.runs.map((run) => [run.model, run.target, run] as const))(
  'real %s recording (%s target) replayed',
  (_model, target, run) => {
    it('answers each request as it did for the real client: same stream shape, the Read tool turn, betas, cache breakpoints, deferred tools, omitted thinking', async () => {
      expect(run.exitCode).toBe(0);
      expect(run.stdout).toContain('Hello from Parley!');
      stack.mock.setScenario({ toolCall: { name: 'Read', arguments: { file_path: `${run.workDir}/hello.txt` } } });
      const alias = target === 'anthropic' ? 'anth' : 'solo';
      for (const [i, exchange] of run.exchanges.entries()) {
        const headers = Object.fromEntries(Object.entries(exchange.headers).filter(([k]) => !HOP.includes(k)));
        const res = await fetch(`${stack.url}${exchange.url}`, {
          method: exchange.method,
          headers: { ...headers, authorization: `Bearer ${stack.keys.agent}` },
          body: JSON.stringify({ ...exchange.body, model: alias }),
        });
        expect(res.status, `request ${i}`).toBe(exchange.status);
        const events = parseSse(await res.text());
        checkStream(events);
        // The same frames as the real client got, in the same order (ids and token counts aside).
        expect(
          events.map((e) => e.event),
          `request ${i}`,
        ).toEqual(parseSse(exchange.response).map((e) => e.event));
        // thinking.display "omitted": no thinking text reaches the client, whatever the target returned.
        expect(events.some((e) => e.data.includes('"thinking_delta"'))).toBe(false);
        const stop = (JSON.parse(events.at(-2)!.data) as { delta: { stop_reason: string } }).delta.stop_reason;
        expect(stop, `request ${i}`).toBe(i === 0 ? 'tool_use' : 'end_turn');
        if (i === 0) expect(events.map((e) => e.data).join('')).toContain('"name":"Read"');
        else
          expect(
            events.map((e) => (JSON.parse(e.data) as { delta?: { text?: string } }).delta?.text ?? '').join(''),
          ).toContain('Hello from Parley!');
      }
      const sent = modelRequests(stack.mock);
      expect(sent).toHaveLength(run.exchanges.length);
      const first = run.exchanges[0].body;
      const systemTurns = first.messages.filter((m) => m.role === 'system').length;
      const upstream = sent[0].body as Record<string, unknown> & {
        messages: { role: string }[];
        tools: Record<string, unknown>[];
      };
      const adaptive = (first.thinking as { type: string }).type === 'adaptive';
      // The privacy filter leaves the product and model names of Claude Code's prompt alone (no person placeholders).
      const sentText = JSON.stringify(upstream);
      expect(sentText).toContain("Anthropic's Claude Agent SDK");
      expect(sentText).toContain("Claude Code's own earlier attribution");
      if (!adaptive) expect(sentText).toContain('the model named Sonnet 4.5');
      if (target === 'anthropic') {
        // Betas the answer depends on travel; the ones Parley gives itself (context management) or that change nothing
        // do not.
        const betas = String(sent[0].headers['anthropic-beta']).split(',');
        expect(betas).toEqual(
          expect.arrayContaining(['advanced-tool-use-2025-11-20', 'interleaved-thinking-2025-05-14']),
        );
        expect(betas).not.toContain('context-management-2025-06-27');
        expect(betas).not.toContain('claude-code-20250219');
        expect(upstream.context_management).toBeUndefined();
        expect(upstream.thinking).toEqual(first.thinking);
        if (adaptive) expect(upstream.output_config).toEqual({ effort: 'high' });
        // Cache breakpoints of the system prompt stay where Claude Code put them.
        const system = upstream.system as { cache_control?: unknown }[];
        expect(system.map((b) => b.cache_control ?? null)).toEqual(
          (first.system as { cache_control?: unknown }[]).map((b) => b.cache_control ?? null),
        );
        expect(upstream.tools.find((t) => t.name === 'DeferredToolPlaceholder')).toMatchObject({ defer_loading: true });
        expect(upstream.messages.filter((m) => m.role === 'system')).toHaveLength(systemTurns);
        expect(upstream.messages.map((m) => m.role)).toEqual(first.messages.map((m) => m.role));
      } else {
        expect(sent[0].headers['anthropic-beta']).toBeUndefined();
        expect(upstream.reasoning_effort).toBe('high');
        // A deferred tool stays hidden from the model; every other tool is offered.
        const names = upstream.tools.map((t) => (t.function as { name: string }).name);
        expect(names).not.toContain('DeferredToolPlaceholder');
        expect(names).toHaveLength((first.tools as unknown[]).length - 1);
        // The system prompt first, then Claude Code's system turn where it put it (after the first user turn).
        const roles = upstream.messages.map((m) => m.role);
        expect(roles.filter((r) => r === 'system')).toHaveLength((first.system as unknown[]).length + systemTurns);
        if (systemTurns > 0) expect(roles.slice(-2)).toEqual(['user', 'system']);
      }
      stack.mock.resetScenario();
    });
  },
);

// Claude Code is pointed at Parley with ANTHROPIC_BASE_URL and its models set to Parley aliases (ANTHROPIC_MODEL,
// ANTHROPIC_SMALL_FAST_MODEL).
describe.each([
  ['anth', 'Anthropic-format'],
  ['solo', 'OpenAI-format'],
])('Claude Code session replayed against %s (%s target)', (alias, kind) => {
  it('answers every request with a well-formed Messages API response; betas, cache_control, thinking signatures and tool errors carried; the contact never reaches the target', async () => {
    for (const [i, recorded] of session.requests.entries()) {
      const body = { ...recorded.body, model: alias };
      const res = await postJson(`${stack.url}/v1/messages`, body, {
        ...recorded.headers,
        'x-api-key': stack.keys.agent,
      });
      expect(res.status, recorded.note).toBe(200);
      expect(res.headers.get('request-id'), recorded.note).toMatch(/.+/);
      if (recorded.expect.stream) {
        expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
        const stop = checkStream(parseSse(await res.text()));
        expect(stop, recorded.note).toBe(
          (kind === 'OpenAI-format' ? recorded.expect.stop_reason_openai_target : undefined) ??
            recorded.expect.stop_reason,
        );
      } else {
        const message = (await res.json()) as { type: string; stop_reason: string; content: unknown[] };
        expect(message.type).toBe('message');
        expect(message.stop_reason).toBe('max_tokens');
      }
      const upstream = modelRequests(stack.mock)[i];
      expect(JSON.stringify(upstream.body), recorded.note).not.toContain(CONTACT);
    }
    const sent = modelRequests(stack.mock);
    expect(sent).toHaveLength(session.requests.length);
    const main = sent[2].body as Record<string, unknown>;
    expect((main.tools as unknown[]).length).toBe(10);
    const last = sent.at(-1)!;
    const lastBody = JSON.stringify(last.body);
    // Every tool call id of the session travels unchanged so calls and results pair up.
    for (const id of [
      'toolu_01A7kQ2mZ8xYv3Jc9Rt5Lp4N',
      'toolu_01Bq8Wn4Xs6Yd2Ke7Hf3Ma9P',
      'toolu_01Cz5Tr1Vb8Ng4Lq6Jm2Ks7D',
      'toolu_01Dk3Hs9Pw2Qa7Ue5Yr8Nc1F',
    ])
      expect(lastBody).toContain(id);
    if (kind === 'Anthropic-format') {
      expect(last.headers['anthropic-beta']).toBe(
        'fine-grained-tool-streaming-2025-05-14,interleaved-thinking-2025-05-14',
      );
      // Prompt-cache breakpoints stay where Claude Code put them: both system blocks, the last tool, the end of the
      // last turn.
      const system = main.system as { text: string; cache_control?: unknown }[];
      expect(system).toHaveLength(2);
      expect(system[1].text).toContain(
        'You are an interactive CLI tool that helps users with software engineering tasks.',
      );
      for (const block of system) expect(block.cache_control).toEqual({ type: 'ephemeral' });
      expect((main.tools as { cache_control?: unknown }[]).map((t) => t.cache_control !== undefined)).toEqual([
        ...Array(9).fill(false),
        true,
      ]);
      const turns = (last.body as { messages: { content: { cache_control?: unknown }[] }[] }).messages;
      expect(turns.at(-1)!.content.at(-1)!.cache_control).toEqual({ type: 'ephemeral' });
      expect(main.thinking).toEqual({ type: 'enabled', budget_tokens: 31999 });
      const assistant = (last.body as { messages: { role: string; content: { type: string; signature?: string }[] }[] })
        .messages[1];
      expect(assistant.content[0]).toMatchObject({ type: 'thinking', signature: expect.stringMatching(/^EqQB/) });
      expect(lastBody).toContain('"is_error":true');
    } else {
      expect(last.headers['anthropic-beta']).toBeUndefined();
      expect(main).toMatchObject({ reasoning_effort: 'high', max_completion_tokens: 32000 });
      expect((main.messages as { role: string }[])[0].role).toBe('system');
      expect(lastBody).toContain('Error: FAIL src/cart.test.ts');
      expect(lastBody).not.toContain('EqQB');
    }
  });
});

describe('Claude Code betas Parley cannot honour', () => {
  it('refuses context-1m (a larger context than the target promises) by name, before any upstream call', async () => {
    const recorded = session.requests[2];
    const res = await postJson(
      `${stack.url}/v1/messages`,
      { ...recorded.body, model: 'anth' },
      {
        ...recorded.headers,
        'anthropic-beta': `${recorded.headers['anthropic-beta']},context-1m-2025-08-07`,
        authorization: `Bearer ${stack.keys.agent}`,
      },
    );
    expect(res.status).toBe(400);
    const body = (await res.json()) as { type: string; error: { type: string; message: string } };
    expect(body).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(body.error.message).toContain('context-1m-2025-08-07');
    expect(modelRequests(stack.mock)).toHaveLength(0);
  });
});
