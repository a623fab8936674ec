// Answers POST /v1/embeddings like OpenAI: validation, deterministic vectors, usage, errors and the faults that apply.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ChatContext } from './chat-handler.js';
import { admitMockRequest } from './chat-handler.js';
import {
  fixedDimensions,
  mockEmbedding,
  mockInputTokens,
  nativeDimensions,
  toBase64Float32,
} from './embedding-vectors.js';
import { JSON_CONTENT_TYPE, truncateJson } from './wire.js';
import type { Dialect, Failure } from './wire.js';

const INVALID_INPUT =
  "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.";
const MAX_INPUTS = 2048;

interface EmbeddingsShape {
  model: string;
  inputs: (string | number[])[];
  base64: boolean;
  dimensions?: number;
}

const isTokenArray = (x: unknown): x is number[] =>
  Array.isArray(x) && x.length > 0 && x.every((t) => Number.isInteger(t) && (t as number) >= 0);

/** OpenAI's checks of an embeddings body, with its messages; returns the shape or the 400. */
export function readEmbeddingsRequest(body: unknown): EmbeddingsShape | Failure {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return { status: 400, message: 'We could not parse the JSON body of your request.' };
  const b = body as Record<string, unknown>;
  if (typeof b.model !== 'string' || b.model === '')
    return { status: 400, message: 'you must provide a model parameter' };
  if (b.input === undefined) return { status: 400, message: "'input' is a required property", param: null };
  let inputs: (string | number[])[];
  const input = b.input;
  if (typeof input === 'string' && input !== '') inputs = [input];
  else if (isTokenArray(input)) inputs = [input];
  else if (
    Array.isArray(input) &&
    input.length > 0 &&
    (input.every((x) => typeof x === 'string' && x !== '') || input.every(isTokenArray))
  )
    inputs = input as (string | number[])[];
  else return { status: 400, message: INVALID_INPUT, param: null };
  if (inputs.length > MAX_INPUTS)
    return {
      status: 400,
      message: `Invalid 'input': maximum input array length is ${MAX_INPUTS}.`,
      param: 'input',
      code: 'array_above_max_length',
    };
  const format = b.encoding_format ?? 'float';
  if (format !== 'float' && format !== 'base64') {
    return {
      status: 400,
      message:
        `Invalid value for 'encoding_format': expected one of ` + `'float' or 'base64', got ${JSON.stringify(format)}.`,
      param: 'encoding_format',
      code: 'invalid_value',
    };
  }
  const shape: EmbeddingsShape = { model: b.model, inputs, base64: format === 'base64' };
  if (b.dimensions !== undefined && b.dimensions !== null) {
    if (fixedDimensions(b.model))
      return { status: 400, message: 'This model does not support specifying dimensions.', param: null };
    const d = b.dimensions;
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 1 || d > nativeDimensions(b.model)) {
      return {
        status: 400,
        message:
          `Invalid value for 'dimensions' = ${JSON.stringify(d)}. Must ` +
          `be an integer between 1 and ${nativeDimensions(b.model)}.`,
        param: 'dimensions',
        code: 'invalid_value',
      };
    }
    shape.dimensions = d;
  }
  return shape;
}

/** The 200 body: `{object:"list", data:[{object:"embedding", index, embedding}], model, usage}`. */
export function embeddingsBody(shape: EmbeddingsShape): string {
  let tokens = 0;
  const data = shape.inputs.map((input, index) => {
    tokens += mockInputTokens(input);
    const vector = mockEmbedding(shape.model, input, shape.dimensions);
    return { object: 'embedding', index, embedding: shape.base64 ? toBase64Float32(vector) : vector };
  });
  return JSON.stringify({
    object: 'list',
    data,
    model: shape.model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  });
}

/**
 * Handles POST /v1/embeddings (OpenAI dialect). Of the scenario, these apply: latencyMs, ttftMs (before the
 * body), stallBeforeHeaders, failFirst / failStatus / errorRates / retryAfterSeconds, resetAfterTokens and
 * stallAfterTokens (any value: the socket is reset, or the answer never comes), and malformed `bad-json`,
 * `split-lines` and `only-error-200` (`error-event` answers like `only-error-200`); the other malformations
 * (stream framing) and floods do not apply to a JSON answer and are ignored.
 */
export async function handleEmbeddings(
  ctx: ChatContext,
  dialect: Dialect,
  req: IncomingMessage,
  res: ServerResponse,
  body: unknown,
): Promise<void> {
  const admitted = await admitMockRequest(ctx, dialect, req, res, body, readEmbeddingsRequest);
  if (admitted === undefined) return;
  const { requestId, scenario, life, shape } = admitted;
  if (scenario.ttftMs > 0 && !(await life.sleep(scenario.ttftMs))) return;
  if (scenario.resetAfterTokens !== null) return life.reset();
  if (scenario.stallAfterTokens !== null) return life.hang();
  const malformed = scenario.malformed;
  const text =
    malformed === 'only-error-200' || malformed === 'error-event'
      ? dialect.errorBody({ status: 500 }, requestId)
      : embeddingsBody(shape);
  const headers = { 'content-type': JSON_CONTENT_TYPE, ...dialect.baseHeaders(requestId) };
  if (malformed === 'split-lines') {
    res.writeHead(200, headers);
    if (await life.writeSplit(text)) res.end();
    return;
  }
  const out = malformed === 'bad-json' ? truncateJson(text) : text;
  res.writeHead(200, { ...headers, 'content-length': String(Buffer.byteLength(out)) }).end(out);
}
