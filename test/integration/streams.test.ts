// Integration: broken and awkward upstream streams, timeouts, and client disconnects aborting the upstream call.

import { describe, expect, it } from 'vitest';
import { mockReplyText } from '../../src/mock-upstream/index.js';
import {
  KEYS,
  chatBody,
  chunkText,
  modelRequests,
  postJson,
  readSse,
  readUntil,
  standardYaml,
  waitFor,
} from './harness.js';
import {
  ANTHROPIC,
  OPENAI,
  completionsUrl as completions,
  upstreamPaths as paths,
  useStackPerTest,
  type Envelope,
} from './helpers.js';

const A = KEYS.MAIN_KEY_A;
const BACKUP = KEYS.BACKUP_KEY;
const stackWith = useStackPerTest();

describe('broken streams', () => {
  it('treats a stream that ends without its terminal event as an error, never a silent success', async () => {
    const s = await stackWith({});
    s.mock.setScenario({ malformed: 'no-done' });
    const res = await postJson(completions(s), chatBody('anth', 'no end', { stream: true }));
    const { events, text } = await readSse(res);
    expect(text).not.toContain('[DONE]');
    const last = JSON.parse(events.at(-1)!.data) as Envelope;
    expect(last.error.message).toBeTruthy();
    expect(chunkText(events.slice(0, -1))).toBe(mockReplyText('no end', 16));
  });

  it('ends the client stream with an explicit error event (no [DONE]) on a reset after content', async () => {
    const s = await stackWith({});
    s.mock.setScenario({ resetAfterTokens: 5, tokenDelayMs: 5 });
    const res = await postJson(completions(s), chatBody('chat', 'cut me', { stream: true }));
    expect(res.status).toBe(200);
    const { events, text } = await readSse(res);
    expect(text).not.toContain('[DONE]');
    const last = JSON.parse(events.at(-1)!.data) as Envelope;
    expect(last).toHaveProperty('error');
    expect(last.error.message.length).toBeGreaterThan(5);
    const content = chunkText(events.slice(0, -1));
    expect(content.length).toBeGreaterThan(0);
    expect(mockReplyText('cut me', 16).startsWith(content)).toBe(true);
    // After content reached the client there is no retry and no fallback.
    expect(paths(s)).toEqual([OPENAI]);
  });

  it('retries and falls back on a first-byte timeout', async () => {
    const s = await stackWith({
      yaml: standardYaml({ retries: 1, firstByte: '200ms' }),
      mock: { keyScenarios: { [A]: { stallBeforeHeaders: true } } },
    });
    const res = await postJson(completions(s), chatBody('chat', 'slow start', { stream: true }));
    expect(res.status).toBe(200);
    const { events } = await readSse(res);
    expect(chunkText(events)).toBe(mockReplyText('slow start', 16));
    expect(paths(s)).toEqual([OPENAI, OPENAI, ANTHROPIC]);
    await waitFor(() => s.mock.stats.open === 0, 'the stalled upstream requests to be closed');
  });

  it('answers 504 when every target times out', async () => {
    const s = await stackWith({ yaml: standardYaml({ retries: 0, firstByte: '200ms' }) });
    s.mock.setScenario({ stallBeforeHeaders: true });
    const res = await postJson(completions(s), chatBody('chat'));
    expect(res.status).toBe(504);
    const body = (await res.json()) as Envelope;
    expect(body.error.message).toMatch(/first byte|timeout/i);
    expect(paths(s)).toEqual([OPENAI, ANTHROPIC]);
  });
});

describe('awkward upstream wire formats', () => {
  for (const malformed of ['split-lines', 'crlf', 'keepalive-comments'] as const) {
    it(`passes a ${malformed} stream through intact (OpenAI and Anthropic)`, async () => {
      const s = await stackWith({});
      s.mock.setScenario({ malformed });
      for (const model of ['solo', 'anth']) {
        const res = await postJson(completions(s), chatBody(model, `${malformed} test`, { stream: true }));
        const { events } = await readSse(res);
        expect(events.at(-1)!.data).toBe('[DONE]');
        expect(chunkText(events)).toBe(mockReplyText(`${malformed} test`, 16));
      }
      expect(modelRequests(s.mock)).toHaveLength(2);
    });
  }

  it('falls back when the first frame carries broken JSON (before any content)', async () => {
    const s = await stackWith({ mock: { keyScenarios: { [A]: { malformed: 'bad-json' } } } });
    const res = await postJson(completions(s), chatBody('chat', 'bad json', { stream: true }));
    const { events } = await readSse(res);
    expect(chunkText(events)).toBe(mockReplyText('bad json', 16));
    expect(res.headers.get('x-parley-provider')).toBe('backup');
  });

  it('ends the client stream with an error event when the upstream sends an error event mid-stream', async () => {
    const s = await stackWith({});
    s.mock.setScenario({ malformed: 'error-event' });
    for (const model of ['solo', 'anth']) {
      const res = await postJson(completions(s), chatBody(model, 'mid error', { stream: true }));
      const { events, text } = await readSse(res);
      expect(text).not.toContain('[DONE]');
      expect(JSON.parse(events.at(-1)!.data)).toHaveProperty('error.message');
      expect(chunkText(events.slice(0, -1))).toBe(mockReplyText('mid error', 8));
    }
  });

  it('retries an Anthropic 529 overloaded answer', async () => {
    const s = await stackWith({ mock: { keyScenarios: { [BACKUP]: { failFirst: 1, failStatus: 529 } } } });
    const res = await postJson(completions(s), chatBody('anth', 'overloaded'));
    expect(res.status).toBe(200);
    expect(paths(s)).toEqual([ANTHROPIC, ANTHROPIC]);
  });

  it('cuts a stream that goes silent after content (idle timeout) with an error event and closes the upstream', async () => {
    const s = await stackWith({ yaml: standardYaml({ idle: '300ms' }) });
    s.mock.setScenario({ stallAfterTokens: 3, tokenDelayMs: 5 });
    const started = Date.now();
    const res = await postJson(completions(s), chatBody('chat', 'then silence', { stream: true }));
    const { events, text } = await readSse(res);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(text).not.toContain('[DONE]');
    const last = JSON.parse(events.at(-1)!.data) as Envelope;
    expect(last.error.message).toMatch(/silent|idle/i);
    expect(paths(s)).toEqual([OPENAI]);
    await waitFor(() => s.mock.stats.open === 0, 'the stalled upstream to be closed', 1_000);
  });
});

describe('client disconnect', () => {
  it('aborts the upstream request as soon as the client goes away', async () => {
    const s = await stackWith({});
    s.mock.setScenario({ tokens: 200, tokenDelayMs: 25 });
    const controller = new AbortController();
    const res = await postJson(
      completions(s),
      chatBody('chat', 'long answer', { stream: true }),
      {},
      controller.signal,
    );
    const { reader } = await readUntil(res, (text) => text.includes('"content":"Mock"'));
    expect(s.mock.stats.open).toBe(1);
    controller.abort();
    await reader.cancel().catch(() => undefined);
    // 200 tokens at 25 ms would take 5 s; the upstream must be closed well before.
    await waitFor(() => s.mock.stats.open === 0, 'the upstream request to be aborted', 1_000);
    expect(paths(s)).toEqual([OPENAI]);
  });

  it('aborts the upstream request when a non-streaming client goes away while waiting', async () => {
    const s = await stackWith({ yaml: standardYaml({ firstByte: '6s' }) });
    s.mock.setScenario({ latencyMs: 5_000 });
    const controller = new AbortController();
    const pending = postJson(completions(s), chatBody('chat', 'never mind'), {}, controller.signal).catch(
      () => 'aborted',
    );
    await waitFor(() => s.mock.stats.open === 1, 'the upstream request to start', 1_000);
    controller.abort();
    expect(await pending).toBe('aborted');
    await waitFor(() => s.mock.stats.open === 0, 'the upstream request to be aborted', 1_000);
  });
});
