// Answers one model request (OpenAI or Anthropic): resolves the scenario, injects faults, sends the reply.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultState } from './fault-state.js';
import { fragments, readExtras } from './agent.js';
import { sendFlood } from './flood.js';
import { mockReplyTokens, splitReplyText } from './reply.js';
import { ResponseLife } from './response-life.js';
import type { Scenario } from './scenario.js';
import { resolveScenario } from './scenario-layers.js';
import { JSON_CONTENT_TYPE, SSE_CONTENT_TYPE } from './wire.js';
import type { Dialect, Failure, Generation, StreamPlan } from './wire.js';

/** What the handler needs from the server. */
export interface ChatContext {
  readonly faults: FaultState;
  readonly baseScenario: () => Readonly<Scenario>;
  readonly keyScenarios: ReadonlyMap<string, Partial<Scenario>>;
  readonly modelScenarios: ReadonlyMap<string, Partial<Scenario>>;
  readonly validKeys: ReadonlySet<string> | undefined;
  readonly nextId: () => string;
}

const RETRY_AFTER_STATUSES = new Set([429, 503, 529]);

/** Sends an error in the dialect's envelope, with retry-after on 429/503/529 when the scenario asks. */
export function sendFailure(
  dialect: Dialect,
  res: ServerResponse,
  failure: Failure,
  requestId: string,
  retryAfterSeconds: number | null,
): void {
  const headers: Record<string, string> = { 'content-type': JSON_CONTENT_TYPE, ...dialect.baseHeaders(requestId) };
  if (retryAfterSeconds !== null && RETRY_AFTER_STATUSES.has(failure.status)) {
    headers['retry-after'] = String(
      Number.isInteger(retryAfterSeconds) ? retryAfterSeconds : Math.ceil(retryAfterSeconds),
    );
    if (dialect.name === 'openai') headers['retry-after-ms'] = String(Math.round(retryAfterSeconds * 1000));
  }
  const body = dialect.errorBody(failure, requestId);
  headers['content-length'] = String(Buffer.byteLength(body));
  if (!res.destroyed) res.writeHead(failure.status, headers).end(body);
}

/** What every mock answer starts from once admitted: its id, scenario, life and the parsed request. */
export interface AdmittedRequest<Shape> {
  requestId: string;
  scenario: Scenario;
  life: ResponseLife;
  shape: Shape;
}

/**
 * The steps every mock endpoint takes before it answers, in the order providers take them: the scenario, its
 * latency or stall before headers, authentication, the request's shape, then injected faults. Undefined when the
 * request has been answered (or hung) already.
 */
export async function admitMockRequest<Shape>(
  ctx: ChatContext,
  dialect: Dialect,
  req: IncomingMessage,
  res: ServerResponse,
  body: unknown,
  readShape: (body: unknown) => Shape | Failure,
): Promise<AdmittedRequest<Shape> | undefined> {
  const requestId = ctx.nextId();
  const resolved = resolveScenario(ctx, dialect, req, body);
  if ('failure' in resolved) return void sendFailure(dialect, res, resolved.failure, requestId, null);
  const { scenario, scope } = resolved;

  const life = new ResponseLife(res);
  if (scenario.latencyMs > 0 && !(await life.sleep(scenario.latencyMs))) return undefined;
  if (scenario.stallBeforeHeaders) return void life.hang();

  const authFailure = dialect.checkAuth(req.headers, ctx.validKeys);
  if (authFailure !== undefined) return void sendFailure(dialect, res, authFailure, requestId, null);
  const shape = readShape(body);
  if (typeof shape === 'object' && shape !== null && 'status' in shape)
    return void sendFailure(dialect, res, shape as Failure, requestId, null);

  const failStatus = ctx.faults.decide(scope, scenario);
  if (failStatus !== 0)
    return void sendFailure(dialect, res, { status: failStatus }, requestId, scenario.retryAfterSeconds);
  return { requestId, scenario, life, shape: shape as Shape };
}

/** Handles POST /v1/chat/completions or POST /v1/messages; `body` is the parsed JSON (undefined if unparseable). */
export async function handleChat(
  ctx: ChatContext,
  dialect: Dialect,
  req: IncomingMessage,
  res: ServerResponse,
  body: unknown,
): Promise<void> {
  const admitted = await admitMockRequest(ctx, dialect, req, res, body, (b) => dialect.readRequest(b));
  if (admitted === undefined) return;
  const { requestId, scenario, life, shape } = admitted;

  if (scenario.flood !== null) {
    const flood = { dialect: dialect.name, stream: shape.stream, model: shape.model, id: `flood-${requestId}` };
    return sendFlood(res, life, scenario.flood, scenario.floodBytes, flood, dialect.baseHeaders(requestId));
  }
  const limit = shape.maxTokens ?? Number.POSITIVE_INFINITY;
  const extras = readExtras(
    dialect.name,
    body as Record<string, unknown>,
    shape.lastUserText,
    requestId,
    scenario.toolCall,
  );
  if (scenario.reasoningText !== null && extras.toolCalls.length === 0)
    extras.reasoning = fragments(scenario.reasoningText, 10);
  // Tool results are echoed ("tool results: ..."), images counted, so tests see what reached the model.
  let said = extras.toolResults !== undefined ? `tool results: ${extras.toolResults}` : shape.lastUserText;
  if (extras.images > 0) said = `[images: ${extras.images}] ${said}`;
  const generation: Generation = {
    id: dialect.name === 'openai' ? `chatcmpl-${requestId}` : `msg_${requestId}`,
    model: shape.model,
    created: Math.floor(Date.now() / 1000),
    tokens:
      scenario.replyText !== null
        ? splitReplyText(scenario.replyText).slice(0, limit)
        : mockReplyTokens(said, Math.min(scenario.tokens, limit)),
    promptTokens: shape.promptTokens,
    truncated:
      scenario.replyText !== null ? limit < splitReplyText(scenario.replyText).length : limit < scenario.tokens,
    includeUsage: shape.includeUsage,
    ...(shape.logprobs ? { logprobs: shape.logprobs } : {}),
    extras,
  };
  if (extras.toolCalls.length > 0) {
    generation.tokens = [];
    generation.truncated = false;
  } else if (extras.json !== undefined && scenario.replyText === null) {
    generation.tokens = fragments(extras.json);
    generation.truncated = false;
  }
  if (shape.stream) {
    const headers = {
      'content-type': SSE_CONTENT_TYPE,
      'cache-control': 'no-cache',
      ...dialect.baseHeaders(requestId),
    };
    return sendStream(res, life, dialect.streamPlan(generation, scenario.malformed), scenario, headers);
  }
  return sendCompletion(dialect, res, life, generation, scenario, requestId);
}

async function sendCompletion(
  dialect: Dialect,
  res: ServerResponse,
  life: ResponseLife,
  generation: Generation,
  scenario: Scenario,
  requestId: string,
): Promise<void> {
  const wait = scenario.ttftMs + generation.tokens.length * scenario.tokenDelayMs;
  if (wait > 0 && !(await life.sleep(wait))) return;
  if (scenario.resetAfterTokens !== null) return life.reset();
  if (scenario.stallAfterTokens !== null) return life.hang();
  const text = dialect.completionBody(generation, scenario.malformed);
  const headers = { 'content-type': JSON_CONTENT_TYPE, ...dialect.baseHeaders(requestId) };
  if (scenario.malformed === 'split-lines') {
    res.writeHead(200, headers);
    if (await life.writeSplit(text)) res.end();
    return;
  }
  res.writeHead(200, { ...headers, 'content-length': String(Buffer.byteLength(text)) }).end(text);
}

/** Where the stream is cut: the token count and whether it is a reset or a stall (null = never). */
function cutPoint(scenario: Scenario, tokenCount: number): { at: number; reset: boolean } | null {
  const reset = scenario.resetAfterTokens;
  const stall = scenario.stallAfterTokens;
  let cut: { at: number; reset: boolean } | null = null;
  if (stall !== null && stall <= tokenCount) cut = { at: Math.floor(stall), reset: false };
  if (reset !== null && reset <= tokenCount && (cut === null || reset <= cut.at))
    cut = { at: Math.floor(reset), reset: true };
  return cut;
}

async function sendStream(
  res: ServerResponse,
  life: ResponseLife,
  plan: StreamPlan,
  scenario: Scenario,
  headers: Record<string, string>,
): Promise<void> {
  const cut = cutPoint(scenario, plan.tokens.length);
  const split = scenario.malformed === 'split-lines';
  res.writeHead(200, headers);
  if (scenario.ttftMs <= 0 && scenario.tokenDelayMs <= 0 && cut === null && !split) {
    res.end(plan.head + plan.pre + plan.tokens.join('') + plan.tail);
    return;
  }
  const write = (text: string): Promise<boolean> => (split ? life.writeSplit(text) : life.write(text));
  if (plan.head === '') res.flushHeaders();
  else if (!(await write(plan.head))) return;
  if (scenario.ttftMs > 0 && !(await life.sleep(scenario.ttftMs))) return;

  let pending = plan.pre;
  for (let i = 0; i <= plan.tokens.length; i++) {
    if (cut !== null && cut.at === i) {
      if (!(await write(pending))) return;
      return cut.reset ? life.reset() : life.hang();
    }
    if (i === plan.tokens.length) break;
    if (i > 0 && (scenario.tokenDelayMs > 0 || split)) {
      if (!(await write(pending))) return;
      pending = '';
      if (!(await life.sleep(scenario.tokenDelayMs))) return;
    }
    pending += plan.tokens[i];
  }
  if (split) {
    if (await write(pending + plan.tail)) res.end();
  } else {
    res.end(pending + plan.tail);
  }
}
