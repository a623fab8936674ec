// Edge cases of the SSE parser: chunk boundaries, line ends, comments, BOM, multi-line data, truncation.

import { describe, expect, it } from 'vitest';
import { readSse, type SseMessage } from '../../src/providers/sse-reader.js';

async function* chunksOf(...parts: (string | Uint8Array)[]): AsyncGenerator<Uint8Array> {
  const enc = new TextEncoder();
  for (const p of parts) yield typeof p === 'string' ? enc.encode(p) : p;
}

async function parse(...parts: (string | Uint8Array)[]): Promise<SseMessage[]> {
  const out: SseMessage[] = [];
  for await (const m of readSse(chunksOf(...parts))) out.push(m);
  return out;
}

/** Splits bytes at the given offsets. */
function cutBytes(bytes: Uint8Array, offsets: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const o of offsets) {
    out.push(bytes.subarray(prev, o));
    prev = o;
  }
  out.push(bytes.subarray(prev));
  return out;
}

const CORPUS =
  '\uFEFF: hello\r\nevent: message_start\r\ndata: {"a":"héllo 👋"}\r\n\r\n' +
  'data:first\ndata: second\n\n' +
  ':keep-alive\r\rid: 7\rdata: x\r\r' +
  'event: ping\ndata: {}\n\n';

describe('readSse', () => {
  it('parses events, types, comments and multi-line data from one chunk', async () => {
    expect(await parse(CORPUS)).toEqual([
      { event: 'message_start', data: '{"a":"héllo 👋"}' },
      { data: 'first\nsecond' },
      { data: 'x', id: '7' },
      { event: 'ping', data: '{}', id: '7' },
    ]);
  });

  it('gives the same result when every byte arrives in its own chunk (split UTF-8, split CRLF, split BOM)', async () => {
    const bytes = new TextEncoder().encode(CORPUS);
    const offsets = Array.from({ length: bytes.length - 1 }, (_, i) => i + 1);
    expect(await parse(...cutBytes(bytes, offsets))).toEqual(await parse(CORPUS));
  });

  it('gives the same result for many pseudo-random chunkings', async () => {
    const bytes = new TextEncoder().encode(CORPUS.repeat(3));
    const expected = await parse(CORPUS.repeat(3));
    let seed = 42;
    for (let round = 0; round < 50; round++) {
      const offsets: number[] = [];
      for (let pos = 0; ;) {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        pos += 1 + (seed % 17);
        if (pos >= bytes.length) break;
        offsets.push(pos);
      }
      expect(await parse(...cutBytes(bytes, offsets))).toEqual(expected);
    }
  });

  it('treats a CR at a chunk end and an LF at the next chunk start as one line end', async () => {
    expect(await parse('data: a\r', '\ndata: b\r', '\n\r', '\n')).toEqual([{ data: 'a\nb' }]);
  });

  it('accepts LF, CRLF and bare CR line ends', async () => {
    expect(await parse('data: 1\n\n', 'data: 2\r\n\r\n', 'data: 3\r\r')).toEqual([
      { data: '1' },
      { data: '2' },
      { data: '3' },
    ]);
  });

  it('strips exactly one space after the colon, and accepts none', async () => {
    expect(await parse('data:a\n\ndata: b\n\ndata:  c\n\n')).toEqual([{ data: 'a' }, { data: 'b' }, { data: ' c' }]);
  });

  it('dispatches empty data lines and a bare `data` field', async () => {
    expect(await parse('data\n\ndata:\ndata:\n\n')).toEqual([{ data: '' }, { data: '\n' }]);
  });

  it('ignores comments, unknown fields and retry, and does not dispatch events without data', async () => {
    expect(await parse(': ping\n\nretry: 100\nfoo: bar\n\nevent: lonely\n\ndata: ok\n\n')).toEqual([{ data: 'ok' }]);
  });

  it('resets the event type after each dispatch', async () => {
    expect(await parse('event: error\ndata: 1\n\ndata: 2\n\n')).toEqual([{ event: 'error', data: '1' }, { data: '2' }]);
  });

  it('keeps the last event id across events and ignores ids containing NUL', async () => {
    expect(await parse('id: 1\ndata: a\n\ndata: b\n\nid: x\0y\ndata: c\n\nid\ndata: d\n\n')).toEqual([
      { data: 'a', id: '1' },
      { data: 'b', id: '1' },
      { data: 'c', id: '1' },
      { data: 'd' },
    ]);
  });

  it('drops a leading BOM only at the start of the stream', async () => {
    expect(await parse(new Uint8Array([0xef, 0xbb]), new Uint8Array([0xbf]), 'data: a\n\n')).toEqual([{ data: 'a' }]);
    expect(await parse('data: a\uFEFF\n\n')).toEqual([{ data: 'a\uFEFF' }]);
  });

  it('discards a final event that is not terminated by a blank line', async () => {
    expect(await parse('data: complete\n\n', 'data: partial\n')).toEqual([{ data: 'complete' }]);
    expect(await parse('data: complete\n\ndata: no newline')).toEqual([{ data: 'complete' }]);
  });

  it('yields events as soon as their blank line arrives, before the stream ends', async () => {
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    async function* body(): AsyncGenerator<Uint8Array> {
      yield new TextEncoder().encode('data: early\n\ndata: late');
      await gate;
      yield new TextEncoder().encode('\n\n');
    }
    const it = readSse(body());
    expect((await it.next()).value).toEqual({ data: 'early' });
    release();
    expect((await it.next()).value).toEqual({ data: 'late' });
    expect((await it.next()).done).toBe(true);
  });
});
