// Steady load for the drills: a few concurrent clients through nginx, plain and streaming chat completions plus
// session turns, every outcome recorded (what failed, how, when) so a drill can report counts and windows.

import { Agent, fetch } from 'undici';

/** What one request ended as. */
export type Outcome =
  | 'ok'
  /**
   * A JSON error answer: `status` and the envelope's `code` (nginx's own 502/504 say
   * `replica_unavailable`/`replica_timeout`).
   */
  | 'http-error'
  /** A stream that began (200) but ended with an error event or without its terminator. */
  | 'stream-broken'
  /** No answer at all: the connection failed between the client and nginx. */
  | 'transport'
  /** Nothing within the client's limit (a hang: never acceptable). */
  | 'hang';

export interface RequestRecord {
  kind: 'plain' | 'stream' | 'session';
  requestId: string;
  outcome: Outcome;
  status: number;
  /** Error code (envelope or stream event), or the transport error's message. */
  code?: string;
  startedAt: number;
  endedAt: number;
  /** A created session's answer (its id). */
  body?: { id: string };
}

export interface LoadOptions {
  url: string;
  /** Bearer key, when the stack uses API keys. */
  apiKey?: string;
  /** Concurrent clients per kind (default plain 2, stream 2, session 1). */
  plain?: number;
  stream?: number;
  session?: number;
  /** Model alias (default `chat`). */
  model?: string;
  /** A request without an answer after this long counts as a hang and is abandoned (default 15 s). */
  hangMs?: number;
}

/** A completed session turn the client saw succeed: the user text it sent. */
export interface SessionTurns {
  id: string;
  completed: string[];
}

export interface Load {
  records: RequestRecord[];
  sessions: SessionTurns[];
  /** Stops starting requests and waits for those in flight. */
  stop(): Promise<void>;
}

let sequence = 0;

/** Starts the clients; each sends its next request as soon as the previous one ended (a closed loop). */
export function startLoad(o: LoadOptions): Load {
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: 64 });
  const records: RequestRecord[] = [];
  const sessions: SessionTurns[] = [];
  const hangMs = o.hangMs ?? 15_000;
  const model = o.model ?? 'chat';
  const auth: Record<string, string> = o.apiKey ? { authorization: `Bearer ${o.apiKey}` } : {};
  let running = true;
  let stopping: Promise<void> | undefined;
  const run = sequence++;

  const once = async (
    kind: RequestRecord['kind'],
    path: string,
    body: unknown,
    streaming: boolean,
    n: number,
  ): Promise<RequestRecord> => {
    const requestId = `drill-${run}-${kind}-${n}-${Math.random().toString(36).slice(2, 8)}`;
    const startedAt = Date.now();
    const record = (outcome: Outcome, status: number, code?: string): RequestRecord => ({
      kind,
      requestId,
      outcome,
      status,
      code,
      startedAt,
      endedAt: Date.now(),
    });
    const signal = AbortSignal.timeout(hangMs);
    try {
      const res = await fetch(`${o.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': requestId, ...auth },
        body: JSON.stringify(body),
        dispatcher: agent,
        signal,
      });
      let text: string;
      try {
        text = await res.text();
      } catch (error) {
        if (signal.aborted) return record('hang', res.status, 'no end in time');
        // The answer began, then the connection was cut before its end (a stream cut by a dying replica).
        const cause = (error as { cause?: { code?: string } }).cause;
        return record(streaming ? 'stream-broken' : 'transport', res.status, `cut: ${cause?.code ?? String(error)}`);
      }
      if (res.status !== 200 && res.status !== 201) {
        let code = 'not-json';
        try {
          code = (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? 'no-code';
        } catch {
          /* nginx's HTML page, say */
        }
        return record('http-error', res.status, code);
      }
      if (!streaming) {
        const done = record('ok', res.status);
        if (kind === 'session' && res.status === 201) done.body = JSON.parse(text) as { id: string };
        return done;
      }
      // OpenAI streams end with `data: [DONE]`, session streams with an `event: done` frame.
      const finished = kind === 'session' ? /event: done\n/.test(text) : text.endsWith('data: [DONE]\n\n');
      if (finished) return record('ok', res.status);
      const error = /"code":"([^"]+)"/.exec(text)?.[1];
      return record('stream-broken', res.status, error ?? 'no-terminator');
    } catch (error) {
      if (signal.aborted) return record('hang', 0, 'no answer in time');
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      return record('transport', 0, cause?.code ?? cause?.message ?? String(error));
    }
  };

  const loops: Promise<void>[] = [];
  const loop = (kind: 'plain' | 'stream', worker: number) =>
    (async () => {
      for (let n = 0; running; n++) {
        records.push(
          await once(
            kind,
            '/v1/chat/completions',
            { model, messages: [{ role: 'user', content: `${kind} ${worker}.${n}` }], stream: kind === 'stream' },
            kind === 'stream',
            n,
          ),
        );
      }
    })();
  const sessionLoop = (worker: number) =>
    (async () => {
      let current: SessionTurns | undefined;
      for (let n = 0; running; n++) {
        if (!current || current.completed.length >= 5) {
          const made = await once('session', '/v1/sessions', { model }, false, n);
          records.push(made);
          const created = made.outcome === 'ok' ? made.body?.id : undefined;
          if (!created) {
            await new Promise((resolve) => setTimeout(resolve, 100)); // a client backs off a little after a failure
            continue;
          }
          current = { id: created, completed: [] };
          sessions.push(current);
        }
        const content = `turn ${worker}.${n}`;
        const result = await once(
          'session',
          `/v1/sessions/${current.id}/messages`,
          { content, stream: n % 2 === 0 },
          n % 2 === 0,
          n,
        );
        records.push(result);
        if (result.outcome === 'ok') current.completed.push(content);
        else {
          current = undefined; // a failed turn may or may not be stored: the next turns go to a fresh session
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    })();
  for (let i = 0; i < (o.plain ?? 2); i++) loops.push(loop('plain', i));
  for (let i = 0; i < (o.stream ?? 2); i++) loops.push(loop('stream', i));
  for (let i = 0; i < (o.session ?? 1); i++) loops.push(sessionLoop(i));

  return {
    records,
    sessions,
    stop() {
      running = false;
      stopping ??= Promise.all(loops).then(() => agent.close());
      return stopping;
    },
  };
}

/** Counts per kind and outcome, failures by status and code: what a drill prints. */
export function summarize(records: RequestRecord[]): {
  total: number;
  ok: number;
  failed: number;
  byKind: Record<string, string>;
  failures: Record<string, number>;
} {
  const byKind: Record<string, string> = {};
  const failures: Record<string, number> = {};
  for (const kind of ['plain', 'stream', 'session'] as const) {
    const of = records.filter((r) => r.kind === kind);
    if (of.length > 0) byKind[kind] = `${of.filter((r) => r.outcome === 'ok').length}/${of.length} ok`;
  }
  for (const r of records) {
    if (r.outcome === 'ok') continue;
    const key = `${r.kind} ${r.outcome}${r.status ? ` ${r.status}` : ''}${r.code ? ` ${r.code}` : ''}`;
    failures[key] = (failures[key] ?? 0) + 1;
  }
  const ok = records.filter((r) => r.outcome === 'ok').length;
  return { total: records.length, ok, failed: records.length - ok, byKind, failures };
}

/** The span from the first to the last failed request's end (seconds, one decimal), or 0 without failures. */
export function failureWindowSeconds(records: RequestRecord[]): number {
  const failed = records.filter((r) => r.outcome !== 'ok');
  if (failed.length === 0) return 0;
  const first = Math.min(...failed.map((r) => r.startedAt));
  const last = Math.max(...failed.map((r) => r.endedAt));
  return Math.round((last - first) / 100) / 10;
}
