// The Parley API client: bearer credential from memory, JSON calls, and the streamed session answer.

import { ApiError, errorFromResponse } from './api-error.js';
import { readSse } from './sse.js';
import type {
  FeedbackReason,
  ImageRef,
  ModelInfo,
  SessionSummary,
  SessionView,
  StartEvent,
  StoredMessage,
} from './types.js';

/** Callbacks of a streamed answer, called in order: start, reasoning* and delta*, then done or error. */
export interface StreamHandlers {
  onStart(event: StartEvent): void;
  onReasoning(text: string): void;
  onDelta(text: string): void;
  onDone(message: StoredMessage | undefined): void;
}

/** Talks to Parley on the page's own origin (no third-party request ever). */
export class ParleyClient {
  constructor(private readonly apiKey: string) {}

  private async call<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const response = await request(path, {
      method,
      headers: this.headers(body !== undefined),
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
    if (!response.ok) throw await errorFromResponse(response);
    return (response.status === 204 ? undefined : await response.json()) as T;
  }

  private headers(json: boolean): Record<string, string> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.apiKey}` };
    if (json) headers['content-type'] = 'application/json';
    return headers;
  }

  /** Models for the picker, with their capabilities (also how a pasted key is verified). */
  async models(): Promise<ModelInfo[]> {
    const list = await this.call<{ data: ModelInfo[] }>('GET', '/v1/models');
    return list.data.map((m) => ({ id: m.id, ...(m.capabilities ? { capabilities: m.capabilities } : {}) }));
  }

  /** Creates a session; empty fields are left out. */
  createSession(input: { model?: string; system?: string; title?: string }): Promise<SessionView> {
    const body = Object.fromEntries(Object.entries(input).filter(([, v]) => v));
    return this.call('POST', '/v1/sessions', body);
  }

  /** The caller's own live sessions, most recently active first. */
  async listSessions(): Promise<SessionSummary[]> {
    return (await this.call<{ data: SessionSummary[] }>('GET', '/v1/sessions')).data;
  }

  /** Renames a session or switches its model. */
  updateSession(id: string, patch: { title?: string; model?: string }): Promise<SessionView> {
    return this.call('PATCH', `/v1/sessions/${encodeURIComponent(id)}`, patch);
  }

  getSession(id: string): Promise<SessionView> {
    return this.call('GET', `/v1/sessions/${encodeURIComponent(id)}`);
  }

  deleteSession(id: string): Promise<void> {
    return this.call('DELETE', `/v1/sessions/${encodeURIComponent(id)}`);
  }

  feedback(
    sessionId: string,
    messageId: string,
    rating: 'up' | 'down',
    reason?: FeedbackReason,
  ): Promise<StoredMessage> {
    return this.call(
      'POST',
      `/v1/sessions/${encodeURIComponent(sessionId)}/messages/${encodeURIComponent(messageId)}/feedback`,
      reason ? { rating, reason } : { rating },
    );
  }

  /**
   * Sends a message and streams the answer. Resolves when the stream ends; rejects with ApiError
   * (before or during the stream) or with the abort reason when `signal` fires (stop).
   */
  async send(
    sessionId: string,
    message: { content: string; images?: ImageRef[] },
    replaceFrom: string | undefined,
    handlers: StreamHandlers,
    signal: AbortSignal,
  ): Promise<void> {
    const body = {
      content: message.content,
      stream: true,
      ...(message.images?.length ? { images: message.images } : {}),
      ...(replaceFrom ? { replaceFrom } : {}),
    };
    const response = await request(`/v1/sessions/${encodeURIComponent(sessionId)}/messages`, {
      method: 'POST',
      headers: this.headers(true),
      body: JSON.stringify(body),
      signal,
    });
    if (!response.ok) throw await errorFromResponse(response);
    if (!response.body) throw new ApiError(502, 'upstream_protocol', 'The answer had no body.');
    let finished = false;
    try {
      for await (const frame of readSse(response.body)) {
        const data = JSON.parse(frame.data) as Record<string, unknown>;
        if (frame.event === 'start') handlers.onStart(data as unknown as StartEvent);
        else if (frame.event === 'delta') handlers.onDelta(String(data.text ?? ''));
        else if (frame.event === 'reasoning') handlers.onReasoning(String(data.text ?? ''));
        else if (frame.event === 'done') {
          finished = true;
          handlers.onDone(data.message as StoredMessage | undefined);
        } else if (frame.event === 'error') {
          const error = data.error as { message?: string; code?: string } | undefined;
          throw new ApiError(
            502,
            error?.code ?? 'upstream_stream_error',
            error?.message ?? 'The answer stopped with an error.',
          );
        }
      }
    } catch (error) {
      if (signal.aborted || error instanceof ApiError) throw error;
      throw new ApiError(502, 'upstream_network', 'The connection broke before the answer was complete.');
    }
    if (!finished) throw new ApiError(502, 'upstream_network', 'The connection closed before the answer was complete.');
  }
}

/** fetch on the same origin; network failures become ApiError status 0, aborts pass through. */
export async function request(path: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(path, { ...init, credentials: 'omit', cache: 'no-store', referrerPolicy: 'no-referrer' });
  } catch (error) {
    if (init.signal?.aborted) throw error;
    throw new ApiError(0, 'network', 'Could not reach Parley.');
  }
}

/** GET a public JSON file; undefined when missing or not JSON. */
export async function publicJson<T>(path: string): Promise<T | undefined> {
  try {
    const response = await request(path, { method: 'GET' });
    if (!response.ok) return undefined;
    return (await response.json()) as T;
  } catch {
    return undefined;
  }
}
