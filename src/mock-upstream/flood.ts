// Oversized and endless answers for the mock upstream: a huge line, an endless line, an endless JSON body, an endless
// stream.

import type { ServerResponse } from 'node:http';
import type { ResponseLife } from './response-life.js';
import { JSON_CONTENT_TYPE, SSE_CONTENT_TYPE } from './wire.js';

/** Ways to send more than a client should read. */
export type FloodKind =
  /** One stream event (or a non-streamed body) of `floodBytes` characters of content, then a normal end. */
  | 'long-line'
  /** A stream whose first data line never ends. */
  | 'endless-line'
  /** A 200 JSON body that never ends (whatever `stream` asked for). */
  | 'endless-body'
  /** A well-formed stream of tokens that never finishes. */
  | 'endless-stream';

/** Every accepted {@link FloodKind}. */
export const FLOOD_KINDS: readonly FloodKind[] = ['long-line', 'endless-line', 'endless-body', 'endless-stream'];

/** Characters written per write; each write waits for the socket, so the mock's own memory stays flat. */
const PIECE = 64 * 1024;

/** What the flood needs to know about the request. */
export interface FloodRequest {
  dialect: 'openai' | 'anthropic';
  stream: boolean;
  model: string;
  id: string;
}

function openaiChunk(req: FloodRequest, content: string, finish: string | null): string {
  const delta = finish === null ? `{"content":${JSON.stringify(content)}}` : '{}';
  return `data: {"id":"${req.id}","object":"chat.completion.chunk","created":1,"model":${JSON.stringify(req.model)},"choices":[{"index":0,"delta":${delta},"finish_reason":${finish === null ? 'null' : `"${finish}"`}}]}\n\n`;
}

function anthropicDelta(text: string): string {
  return (
    `event: content_block_delta\ndata: ` +
    `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":${JSON.stringify(text)}}}\n\n`
  );
}

function streamHead(req: FloodRequest): string {
  if (req.dialect === 'openai') return '';
  const message = `{"id":"${req.id}","type":"message","role":"assistant","model":${JSON.stringify(req.model)},"content":[],"stop_reason":null,"usage":{"input_tokens":1,"output_tokens":0}}`;
  return (
    `event: message_start\ndata: {"type":"message_start","message":${message}}\n\n` +
    'event: content_block_start\ndata: ' +
    '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n'
  );
}

function streamTail(req: FloodRequest): string {
  if (req.dialect === 'openai') return openaiChunk(req, '', 'stop') + 'data: [DONE]\n\n';
  return (
    'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n' +
    'event: message_delta\ndata: ' +
    '{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":1}}\n\n' +
    'event: message_stop\ndata: {"type":"message_stop"}\n\n'
  );
}

/** Writes `total` characters of `x` in pieces; false once the connection closed. */
async function writeFiller(life: ResponseLife, total: number): Promise<boolean> {
  const piece = 'x'.repeat(PIECE);
  for (let left = total; left > 0; left -= PIECE) {
    if (!(await life.write(left >= PIECE ? piece : 'x'.repeat(left)))) return false;
  }
  return true;
}

/** Sends the flood `kind` (`bytes`: the size of a long line); returns when done or when the client left. */
export async function sendFlood(
  res: ServerResponse,
  life: ResponseLife,
  kind: FloodKind,
  bytes: number,
  req: FloodRequest,
  headers: Record<string, string>,
): Promise<void> {
  const json = kind === 'endless-body' || (kind === 'long-line' && !req.stream);
  res.writeHead(200, { ...headers, 'content-type': json ? JSON_CONTENT_TYPE : SSE_CONTENT_TYPE });
  const endless = Number.POSITIVE_INFINITY;
  if (json) {
    const head =
      req.dialect === 'openai'
        ? `{"id":"${req.id}","object":"chat.completion","created":1,"model":${JSON.stringify(req.model)},"choices":[{"index":0,"message":{"role":"assistant","content":"`
        : `{"id":"${req.id}","type":"message","role":"assistant","model":${JSON.stringify(req.model)},"content":[{"type":"text","text":"`;
    const tail =
      req.dialect === 'openai'
        ? '"},"finish_reason":"stop"}]}'
        : '"}],"stop_reason":"end_turn","usage":{"input_tokens":1,"output_tokens":1}}';
    if (!(await life.write(head)) || !(await writeFiller(life, kind === 'endless-body' ? endless : bytes))) return;
    res.end(tail);
    return;
  }
  if (!(await life.write(streamHead(req)))) return;
  if (kind === 'endless-stream') {
    const frame = req.dialect === 'openai' ? openaiChunk(req, 'more ', null) : anthropicDelta('more ');
    const batch = frame.repeat(Math.max(1, Math.floor(PIECE / frame.length)));
    while (await life.write(batch));
    return;
  }
  // long-line / endless-line: one data line of filler inside a text delta.
  const open =
    req.dialect === 'openai'
      ? `data: {"id":"${req.id}","object":"chat.completion.chunk","created":1,"model":${JSON.stringify(req.model)},"choices":[{"index":0,"delta":{"content":"`
      : 'event: content_block_delta\ndata: ' +
        '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"';
  const close = req.dialect === 'openai' ? '"},"finish_reason":null}]}\n\n' : '"}}\n\n';
  if (!(await life.write(open)) || !(await writeFiller(life, kind === 'endless-line' ? endless : bytes))) return;
  res.end(close + streamTail(req));
}
