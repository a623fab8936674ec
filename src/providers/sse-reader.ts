// Server-Sent Events parser (WHATWG EventSource rules) over a stream of network chunks.

import { StringDecoder } from 'node:string_decoder';

/** One dispatched SSE event. `event` is absent for the default `message` type. */
export interface SseMessage {
  event?: string;
  data: string;
  /** The last event id seen so far in the stream (persists across events, as in EventSource). */
  id?: string;
}

const LF = 10;
const BOM = 0xfeff;
const CR = 13;

/**
 * Parses an SSE byte stream into messages, following the WHATWG EventSource parsing rules:
 * - bytes are decoded as UTF-8 with `TextDecoder({stream: true})`, so lines and even multi-byte
 *   characters may be split across network chunks (StringDecoder: about half TextDecoder's cost per
 *   chunk); a leading BOM is dropped, as the spec and TextDecoder do;
 * - CRLF, CR and LF all end a line (a CR at the end of a chunk followed by an LF at the start of
 *   the next counts as one line end);
 * - lines starting with `:` are comments (keep-alives) and are ignored;
 * - `data:` with or without one leading space; several `data` lines are joined with `\n`;
 * - `id` containing NUL is ignored, `retry` and unknown fields are ignored;
 * - an event is dispatched on a blank line only when it has data.
 * Choice (as the spec says): a final event that is not terminated by a blank line is discarded
 * when the stream ends, so a truncated stream never yields a half-received event.
 * Work per chunk is one decode, at most one concatenation with the carried-over partial line,
 * and one slice per line; no per-byte string building.
 */
export async function* readSse(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseMessage> {
  const parser = new SseParser();
  for await (const chunk of body) {
    const out = parser.push(chunk);
    for (let i = 0; i < out.length; i++) yield out[i];
  }
  yield* parser.end();
}

/**
 * The parser behind {@link readSse}, without a generator: `push` each network chunk and handle the
 * returned messages before the next `push` (the array is reused); `end` returns what the stream's end
 * completes (a final event without its blank line is discarded, as in readSse).
 */
export class SseParser {
  private readonly decoder = new StringDecoder('utf8');
  private atStart = true;
  private carry = '';
  private skipLeadingLf = false;
  private data: string | undefined;
  private eventType: string | undefined;
  private lastId: string | undefined;
  private readonly out: SseMessage[] = [];

  /** Parses one chunk; returns the messages it completed (valid until the next call). */
  push(chunk: Uint8Array): SseMessage[] {
    this.out.length = 0;
    let text = this.decoder.write(chunk);
    if (text.length === 0) return this.out;
    if (this.atStart) {
      this.atStart = false;
      if (text.charCodeAt(0) === BOM) text = text.slice(1);
    }
    if (this.skipLeadingLf) {
      this.skipLeadingLf = false;
      if (text.charCodeAt(0) === LF) text = text.slice(1);
    }
    if (this.carry.length > 0) {
      text = this.carry + text;
      this.carry = '';
    }
    this.scanLines(text);
    return this.out;
  }

  /** Flushes the decoder at the end of the stream; returns any messages that completes. */
  end(): SseMessage[] {
    this.out.length = 0;
    let tail = this.decoder.end();
    if (this.atStart && tail.charCodeAt(0) === BOM) tail = tail.slice(1);
    if (tail.length > 0) {
      const carry = this.carry + (this.skipLeadingLf && tail.charCodeAt(0) === LF ? tail.slice(1) : tail);
      this.skipLeadingLf = false;
      this.carry = '';
      this.scanLines(carry);
      this.carry = '';
    }
    return this.out;
  }

  private processLine(line: string): void {
    if (line.length === 0) {
      if (this.data !== undefined) {
        const msg: SseMessage = { data: this.data };
        if (this.eventType !== undefined) msg.event = this.eventType;
        if (this.lastId !== undefined) msg.id = this.lastId;
        this.out.push(msg);
      }
      this.data = undefined;
      this.eventType = undefined;
      return;
    }
    const colon = line.indexOf(':');
    if (colon === 0) return; // comment / keep-alive
    let field: string;
    let value: string;
    if (colon < 0) {
      field = line;
      value = '';
    } else {
      field = line.slice(0, colon);
      const start = line.charCodeAt(colon + 1) === 32 ? colon + 2 : colon + 1;
      value = line.slice(start);
    }
    switch (field) {
      case 'data':
        this.data = this.data === undefined ? value : this.data + '\n' + value;
        break;
      case 'event':
        this.eventType = value.length === 0 ? undefined : value;
        break;
      case 'id':
        if (!value.includes('\0')) this.lastId = value.length === 0 ? undefined : value;
        break;
      default:
        break; // `retry` and unknown fields are ignored
    }
  }

  private scanLines(text: string): void {
    const len = text.length;
    let pos = 0;
    let nextLf = text.indexOf('\n');
    let nextCr = text.indexOf('\r');
    while (pos < len) {
      if (nextLf !== -1 && nextLf < pos) nextLf = text.indexOf('\n', pos);
      if (nextCr !== -1 && nextCr < pos) nextCr = text.indexOf('\r', pos);
      let end: number;
      if (nextLf === -1) end = nextCr;
      else if (nextCr === -1) end = nextLf;
      else end = nextLf < nextCr ? nextLf : nextCr;
      if (end === -1) break;
      this.processLine(text.slice(pos, end));
      if (text.charCodeAt(end) === CR) {
        if (end + 1 < len) {
          pos = text.charCodeAt(end + 1) === LF ? end + 2 : end + 1;
        } else {
          this.skipLeadingLf = true; // the LF of a CRLF may arrive in the next chunk
          pos = end + 1;
        }
      } else {
        pos = end + 1;
      }
    }
    if (pos < len) this.carry = pos === 0 ? text : text.slice(pos);
  }
}
