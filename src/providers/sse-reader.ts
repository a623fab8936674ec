// Server-Sent Events parser (WHATWG EventSource rules) over a stream of network chunks.

import { StringDecoder } from 'node:string_decoder';
import { ParleyError } from '../domain/index.js';

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
 * Work is linear in the input: a line's unfinished start is kept as a list of pieces and joined once,
 * when its end arrives, and each chunk is searched for line ends only once.
 * An event (its current line plus the data gathered so far) longer than `maxEventChars` ends the
 * stream with `upstream_event_too_large`, so an endless line cannot grow memory without bound.
 */
export async function* readSse(body: AsyncIterable<Uint8Array>, maxEventChars?: number): AsyncGenerator<SseMessage> {
  const parser = new SseParser(maxEventChars);
  for await (const chunk of body) {
    const out = parser.push(chunk);
    for (let i = 0; i < out.length; i++) yield out[i];
    if (parser.failure !== undefined) throw parser.failure;
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
  /** The unfinished line, as the pieces that arrived (joined once, at its end). */
  private carry: string[] = [];
  private carryChars = 0;
  private dataChars = 0;
  private skipLeadingLf = false;
  private data: string | undefined;
  private eventType: string | undefined;
  private lastId: string | undefined;
  private readonly out: SseMessage[] = [];

  /**
   * `maxEventChars`: the longest event (decoded characters of a line plus the data before it); default {@link
   * DEFAULT_MAX_EVENT_CHARS}.
   */
  constructor(private readonly maxEventChars: number = DEFAULT_MAX_EVENT_CHARS) {}

  /**
   * Set when an event grew past the limit: the messages completed before it are still returned,
   * and the caller throws this after handling them (later calls to `push` and `end` throw it).
   */
  failure: ParleyError | undefined;

  /** Parses one chunk; returns the messages it completed (valid until the next call). */
  push(chunk: Uint8Array): SseMessage[] {
    if (this.failure !== undefined) throw this.failure;
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
    this.scanLines(text);
    return this.out;
  }

  /** Flushes the decoder at the end of the stream; returns any messages that completes. */
  end(): SseMessage[] {
    if (this.failure !== undefined) throw this.failure;
    this.out.length = 0;
    let tail = this.decoder.end();
    if (this.atStart && tail.charCodeAt(0) === BOM) tail = tail.slice(1);
    if (tail.length > 0) {
      const rest = this.skipLeadingLf && tail.charCodeAt(0) === LF ? tail.slice(1) : tail;
      this.skipLeadingLf = false;
      this.scanLines(rest);
    }
    this.carry = [];
    this.carryChars = 0;
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
      this.dataChars = 0;
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
        this.dataChars += value.length + 1;
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
      if (!this.fits(end - pos)) return;
      this.processLine(this.takeLine(text, pos, end));
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
    if (pos < len) {
      const piece = pos === 0 ? text : text.slice(pos);
      if (!this.fits(piece.length)) return;
      this.carry.push(piece);
      this.carryChars += piece.length;
    }
  }

  /** The line from `pos` to `end` of `text`, preceded by what was carried over from earlier chunks. */
  private takeLine(text: string, pos: number, end: number): string {
    if (this.carry.length === 0) return text.slice(pos, end);
    this.carry.push(text.slice(pos, end));
    const line = this.carry.join('');
    this.carry = [];
    this.carryChars = 0;
    return line;
  }

  /** False (and `failure` set) when `more` characters would make the current event too long. */
  private fits(more: number): boolean {
    const size = this.carryChars + this.dataChars + more;
    if (size > this.maxEventChars) {
      this.carry = [];
      this.carryChars = 0;
      this.failure = new ParleyError(
        'upstream_event_too_large',
        `The provider sent a stream event longer than ${this.maxEventChars} characters (limit ` +
          `providers[].limits.maxEventSize); the answer was stopped`,
      );
      return false;
    }
    return true;
  }
}

/** The default longest stream event: 1 MiB of decoded text. */
export const DEFAULT_MAX_EVENT_CHARS = 1024 * 1024;
