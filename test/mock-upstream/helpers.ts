// Test helpers for the mock upstream: raw HTTP calls through undici and a small SSE parser.

import { request } from 'undici';
import type { IncomingHttpHeaders } from 'undici/types/header.js';

/** One parsed SSE event. */
export interface SseEvent {
  event?: string;
  data: string;
}

/** Parses SSE text (LF or CRLF), returning events and comment lines. */
export function parseSse(text: string): { events: SseEvent[]; comments: string[] } {
  const events: SseEvent[] = [];
  const comments: string[] = [];
  for (const block of text.replace(/\r\n/g, '\n').split('\n\n')) {
    if (block.trim() === '') continue;
    let event: string | undefined;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) comments.push(line.slice(1).trim());
      else if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    if (data.length > 0) events.push({ event, data: data.join('\n') });
  }
  return { events, comments };
}

/** A full response read as text. */
export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  chunks: number;
}

/** POSTs JSON (or a raw string) and reads the whole body. */
export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<RawResponse> {
  const res = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  let text = '';
  let chunks = 0;
  const decoder = new TextDecoder();
  for await (const chunk of res.body) {
    chunks++;
    text += decoder.decode(chunk as Buffer, { stream: true });
  }
  return { status: res.statusCode, headers: res.headers, text: text + decoder.decode(), chunks };
}

/** GETs a URL and reads the body as text. */
export async function get(url: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  const res = await request(url, { method: 'GET', headers });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, chunks: 1 };
}

/** Reads a streaming body until it ends or fails; returns what arrived and the error, if any. */
export async function readUntilEnd(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ text: string; error: unknown }> {
  const res = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  let text = '';
  try {
    for await (const chunk of res.body) text += (chunk as Buffer).toString('utf8');
  } catch (error) {
    return { text, error };
  }
  return { text, error: undefined };
}

/** The user message used by most tests. */
export const USER_TEXT = 'hello brave new world';

/** An OpenAI chat completion body. */
export function openaiBody(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: 'be nice' },
      { role: 'user', content: USER_TEXT },
    ],
    ...extra,
  };
}

/** An Anthropic messages body. */
export function anthropicBody(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model: 'claude-haiku-4-5', max_tokens: 1024, messages: [{ role: 'user', content: USER_TEXT }], ...extra };
}

/** Headers Anthropic requires. */
export const ANTHROPIC_HEADERS = { 'x-api-key': 'anthropic-key', 'anthropic-version': '2023-06-01' };

/** Content tokens of an OpenAI stream's chunks (skipping [DONE] and unparseable frames). */
export function openaiContent(events: SseEvent[]): string[] {
  const out: string[] = [];
  for (const e of events) {
    if (e.data === '[DONE]') continue;
    try {
      const chunk = JSON.parse(e.data) as { choices?: Array<{ delta?: { content?: string } }> };
      const content = chunk.choices?.[0]?.delta?.content;
      if (content !== undefined && content !== '') out.push(content);
    } catch {
      // malformed frame: skipped
    }
  }
  return out;
}

/** Text deltas of an Anthropic stream. */
export function anthropicContent(events: SseEvent[]): string[] {
  return events
    .filter((e) => e.event === 'content_block_delta')
    .flatMap((e) => {
      try {
        return [(JSON.parse(e.data) as { delta: { text: string } }).delta.text];
      } catch {
        return [];
      }
    });
}
