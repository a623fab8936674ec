import { describe, expect, it } from 'vitest';
import { ParleyError } from '../../src/domain/index.js';
import type { ChatEvent } from '../../src/domain/index.js';
import { SseEventReader, type SseMessageHandler } from '../../src/providers/sse-groups.js';

/** Network reads as an iterator that counts how many were taken. */
function reads(...texts: string[]) {
  const taken = { count: 0 };
  const iterator: AsyncIterator<Uint8Array> = {
    next: async () =>
      taken.count < texts.length
        ? { done: false, value: Buffer.from(texts[taken.count++]) }
        : { done: true, value: undefined },
  };
  return { iterator, taken };
}

/** `data: start|<text>|end|boom` → start event, text delta, terminal, failure. */
const map: SseMessageHandler = {
  message(message, out) {
    if (message.data === 'end') return true;
    if (message.data === 'boom') throw new ParleyError('upstream_stream_error', 'boom');
    out.push(message.data === 'start' ? { type: 'start' } : { type: 'text-delta', text: message.data });
    return false;
  },
};

/**
 * The adapters' read loop (upstream-stream.ts): the groups, and whether the terminal message came or what was thrown.
 */
async function run(iterator: AsyncIterator<Uint8Array>, signal = new AbortController().signal) {
  const reader = new SseEventReader(map);
  const groups: ChatEvent[][] = [];
  try {
    while (!reader.terminal) {
      const next = await iterator.next();
      for (const group of reader.groups(next.done === true ? undefined : next.value, signal)) groups.push(group);
      if (next.done === true) break;
    }
  } catch (error) {
    return { groups, error: error as ParleyError };
  }
  return { groups, ended: reader.terminal };
}

const text = (t: string): ChatEvent => ({ type: 'text-delta', text: t });

describe('sseEventGroups', () => {
  it('yields one group per read, the first content on its own, and stops reading at the terminal message', async () => {
    const { iterator, taken } = reads(
      'data: start\n\ndata: a\n\ndata: b\n\n',
      'data: c\n\ndata: end\n\ndata: ignored\n\n',
      'data: never read\n\n',
    );
    const out = await run(iterator);
    expect(out.groups).toEqual([[{ type: 'start' }, text('a')], [text('b')], [text('c')]]);
    expect(out.ended).toBe(true);
    expect(taken.count).toBe(2);
  });

  it('returns false when the body ends before the terminal message; a message split across reads is joined', async () => {
    const { iterator } = reads('data: start\n\nda', 'ta: a\n\n');
    const out = await run(iterator);
    expect(out.groups).toEqual([[{ type: 'start' }], [text('a')]]);
    expect(out.ended).toBe(false);
  });

  it('yields what a read produced before a failure, then throws it', async () => {
    const { iterator } = reads('data: start\n\ndata: a\n\ndata: b\n\ndata: boom\n\ndata: c\n\n');
    const out = await run(iterator);
    expect(out.groups).toEqual([[{ type: 'start' }, text('a')], [text('b')]]);
    expect(out.error?.code).toBe('upstream_stream_error');
  });

  it('hands out nothing more of a read once the call is aborted', () => {
    const controller = new AbortController();
    const reader = new SseEventReader(map);
    const groups = reader.groups(Buffer.from('data: start\n\ndata: a\n\ndata: b\n\n'), controller.signal);
    expect(groups.next().value).toEqual([{ type: 'start' }, text('a')]);
    controller.abort();
    expect(() => groups.next()).toThrow(expect.objectContaining({ code: 'client_closed' }));
  });
});
