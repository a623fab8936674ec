import { describe, expect, it } from 'vitest';
import { ParleyError } from '../../src/domain/index.js';
import type { ChatEvent } from '../../src/domain/index.js';
import type { AnswerTransform } from '../../src/chat/hooks.js';
import { RunEvents, type RunStats } from '../../src/chat/run-events.js';

const start: ChatEvent = { type: 'start', id: 'c1' };
const text = (t: string): ChatEvent => ({ type: 'text-delta', text: t });
const finish: ChatEvent = { type: 'finish', finishReason: 'stop', usage: { inputTokens: 3, outputTokens: 2 } };

/** A source of events that counts its `next` calls and whether it was returned; `end` is thrown after the events. */
function eventSource(script: ChatEvent[], end: 'done' | ParleyError = 'done') {
  const seen = { nexts: 0, returned: false };
  let index = 0;
  const iterator: AsyncIterator<ChatEvent> = {
    next: async () => {
      seen.nexts++;
      if (index < script.length) return { done: false, value: script[index++] };
      if (end === 'done') return { done: true, value: undefined };
      throw end;
    },
    return: async () => {
      seen.returned = true;
      return { done: true, value: undefined };
    },
  };
  return { iterator, seen };
}

function runOf(script: ChatEvent[], o: { transform?: AnswerTransform; end?: 'done' | ParleyError } = {}) {
  const { iterator, seen } = eventSource(script, o.end);
  const stats: RunStats = { attempts: 0, retries: 0, fallbacks: 0, upstreamMs: 0 };
  const outcomes: [string, string | undefined][] = [];
  const events = new RunEvents(iterator, stats, performance.now(), o.transform, (outcome, code) =>
    outcomes.push([outcome, code]),
  );
  return { events, stats, outcomes, seen };
}

async function drain(
  events: AsyncIterable<ChatEvent>,
  onEvent?: (event: ChatEvent, index: number) => void,
): Promise<{ got: ChatEvent[]; error?: ParleyError }> {
  const got: ChatEvent[] = [];
  try {
    for await (const event of events) {
      got.push(event);
      onEvent?.(event, got.length);
    }
  } catch (error) {
    return { got, error: error as ParleyError };
  }
  return { got };
}

describe('RunEvents', () => {
  it('primes to the first content, then serves every event in order and reports success once', async () => {
    const { events, stats, outcomes, seen } = runOf([start, text('a'), text('b'), finish]);
    await events.prime();
    expect(seen.nexts).toBe(2); // start, then the first content
    const { got, error } = await drain(events);
    expect(error).toBeUndefined();
    expect(got).toEqual([start, text('a'), text('b'), finish]);
    expect(stats.usage).toEqual({ inputTokens: 3, outputTokens: 2 });
    expect(stats.finishReason).toBe('stop');
    expect(stats.ttftMs).toBeGreaterThanOrEqual(0);
    expect(stats.upstreamMs).toBeGreaterThanOrEqual(0);
    expect(outcomes).toEqual([['success', undefined]]);
  });

  it('a failure before content surfaces from prime() and is reported once', async () => {
    const { events, outcomes } = runOf([start], { end: new ParleyError('upstream_server_error', 'down') });
    await expect(events.prime()).rejects.toMatchObject({ code: 'upstream_server_error' });
    expect(outcomes).toEqual([['error', 'upstream_server_error']]);
    // Nothing is served after the failure but what prime() had already taken, and nothing is reported twice.
    expect((await drain(events)).got).toEqual([start]);
    expect(outcomes).toHaveLength(1);
  });

  it('a transform that holds text back releases it before finish; one that blocks stops the source', async () => {
    let held = '';
    const holding: AnswerTransform = {
      push: (t) => ((held += t), ''),
      flush: () => held,
    };
    const run = runOf([start, text('a'), text('b'), finish], { transform: holding });
    expect((await drain(run.events)).got).toEqual([start, text('ab'), finish]);
    expect(run.outcomes).toEqual([['success', undefined]]);

    const blocking: AnswerTransform = {
      push: (t) => {
        if (t === 'b') throw new ParleyError('content_blocked', 'blocked');
        return t;
      },
      flush: () => '',
    };
    const blocked = runOf([start, text('a'), text('b'), text('c'), finish], { transform: blocking });
    const { got, error } = await drain(blocked.events);
    expect(got).toEqual([start, text('a')]);
    expect(error?.code).toBe('content_blocked');
    expect(blocked.outcomes).toEqual([['blocked', 'content_blocked']]);
    expect(blocked.seen.returned).toBe(true);
  });

  it('an answer that ends without finish is an upstream_protocol error; a source failure is reported as an error', async () => {
    const unfinished = runOf([start, text('a')]);
    const cut = await drain(unfinished.events);
    expect(cut.got).toEqual([start, text('a')]);
    expect(cut.error?.code).toBe('upstream_protocol');
    expect(unfinished.outcomes).toEqual([['error', 'upstream_protocol']]);

    const failing = runOf([start, text('a')], { end: new ParleyError('upstream_network', 'reset') });
    const failed = await drain(failing.events);
    expect(failed.got).toEqual([start, text('a')]);
    expect(failed.error?.code).toBe('upstream_network');
    expect(failing.outcomes).toEqual([['error', 'upstream_network']]);
  });

  it('a consumer that stops early returns the source and reports aborted', async () => {
    const run = runOf([start, text('a'), text('b'), finish]);
    for await (const event of run.events) if (event.type === 'text-delta') break;
    expect(run.seen.returned).toBe(true);
    expect(run.outcomes).toEqual([['aborted', undefined]]);
  });
});
