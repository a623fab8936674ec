// The SSE parser's bounds: long lines joined once from their pieces, and events over the limit refused by name.

import { describe, expect, it } from 'vitest';
import { ParleyError } from '../../src/domain/index.js';
import type { ChatEvent } from '../../src/domain/index.js';
import { SseEventReader } from '../../src/providers/sse-groups.js';
import { SseParser, readSse, type SseMessage } from '../../src/providers/sse-reader.js';

async function* pieces(parts: string[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield Buffer.from(p);
}

/** `text` cut into pieces of `size` characters. */
function cut(text: string, size: number): string[] {
  const out: string[] = [];
  for (let at = 0; at < text.length; at += size) out.push(text.slice(at, at + size));
  return out;
}

async function parse(parts: string[], limit?: number): Promise<{ messages: SseMessage[]; error?: ParleyError }> {
  const messages: SseMessage[] = [];
  try {
    for await (const m of readSse(pieces(parts), limit)) messages.push(m);
  } catch (error) {
    return { messages, error: error as ParleyError };
  }
  return { messages };
}

describe('SSE limits', () => {
  it('joins a long line that arrives in many pieces, exactly', async () => {
    const big = 'y'.repeat(900_000);
    const { messages, error } = await parse(cut(`data: ${big}\n\ndata: next\n\n`, 1000));
    expect(error).toBeUndefined();
    expect(messages.map((m) => m.data.length)).toEqual([900_000, 4]);
    expect(messages[0].data).toBe(big);
  });

  it('refuses a line over the limit with upstream_event_too_large, after the events before it', async () => {
    const { messages, error } = await parse(['data: first\n\ndata: ', ...cut('z'.repeat(5000), 100)], 1000);
    expect(messages).toEqual([{ data: 'first' }]);
    expect(error).toBeInstanceOf(ParleyError);
    expect(error?.code).toBe('upstream_event_too_large');
    expect(error?.status).toBe(502);
    expect(error?.message).toContain('1000 characters');
  });

  it('stops an endless line without a newline once it passes the limit (the rest is never read)', async () => {
    let served = 0;
    async function* endless(): AsyncGenerator<Uint8Array> {
      yield Buffer.from('data: ');
      const chunk = Buffer.alloc(64 * 1024, 'a');
      for (;;) {
        served++;
        yield chunk;
      }
    }
    const out: SseMessage[] = [];
    await expect(async () => {
      for await (const m of readSse(endless())) out.push(m);
    }).rejects.toMatchObject({ code: 'upstream_event_too_large' });
    expect(out).toEqual([]);
    expect(served).toBe(16); // 'data: ' plus sixteen 64 KiB chunks pass 1 MiB: nothing after them is read
  });

  it('counts an event made of many data lines against the same limit', async () => {
    const line = `data: ${'d'.repeat(99)}\n`;
    const ok = await parse([line.repeat(9) + '\n'], 1000);
    expect(ok.error).toBeUndefined();
    const tooMany = await parse([line.repeat(11) + '\n'], 1000);
    expect(tooMany.error?.code).toBe('upstream_event_too_large');
  });

  it('a parser that failed keeps failing', () => {
    const parser = new SseParser(10);
    parser.push(Buffer.from('data: 12345678901234567890'));
    expect(parser.failure?.code).toBe('upstream_event_too_large');
    expect(() => parser.push(Buffer.from('\n\n'))).toThrow(/longer than 10 characters/);
    expect(() => parser.end()).toThrow(ParleyError);
  });

  it("the adapters' group reader yields what came before the oversized event, then throws", () => {
    const reader = new SseEventReader(
      {
        message(m, out) {
          out.push({ type: 'text-delta', text: m.data });
          return false;
        },
      },
      50,
    );
    const groups: ChatEvent[][] = [];
    const signal = new AbortController().signal;
    expect(() => {
      for (const g of reader.groups(Buffer.from(`data: a\n\ndata: b\n\ndata: ${'c'.repeat(80)}`), signal))
        groups.push(g);
    }).toThrow(/longer than 50 characters/);
    expect(groups.flat()).toEqual([
      { type: 'text-delta', text: 'a' },
      { type: 'text-delta', text: 'b' },
    ]);
  });
});
