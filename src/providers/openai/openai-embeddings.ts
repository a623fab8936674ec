// OpenAI (and OpenAI-compatible) Embeddings adapter: `POST {baseUrl}/embeddings`, one `finish` event with the vectors.

import { ParleyError } from '../../domain/index.js';
import type { CallOptions, EmbeddingEvent, EmbeddingRequest, EmbeddingResult } from '../../domain/index.js';
import type { EmbeddingModel } from '../../domain/index.js';
import {
  callHeaders,
  createUpstreamEndpoint,
  postUpstream,
  readJsonAnswer,
  streamPayloadError,
  DEFAULT_MAX_BODY_BYTES,
  type UpstreamEndpointConfig,
} from '../upstream-http.js';

/**
 * Embeddings answers are larger than chat answers (2048 inputs of 3072 floats is about 130 MB as JSON text):
 * their body limit is this multiple of the provider's `limits.maxBodySize` (8 MiB × 16 = 128 MiB by default).
 */
export const EMBEDDINGS_BODY_FACTOR = 16;

/** An embeddings adapter that owns (and can close) its connection pool. */
export interface EmbeddingProviderModel extends EmbeddingModel {
  close(): Promise<void>;
}

/** Settings of one OpenAI-compatible provider's embeddings endpoint. */
export interface OpenAIEmbeddingsConfig extends UpstreamEndpointConfig {
  id: string;
  /** Base URL including the version path, e.g. `https://api.openai.com/v1`. */
  baseUrl: string;
}

/** OpenAI's request body for one call. */
export function buildEmbeddingsBody(request: EmbeddingRequest): string {
  const body: Record<string, unknown> = {
    model: request.model,
    input: request.input.kind === 'text' ? request.input.texts : request.input.tokens,
    encoding_format: request.encodingFormat,
  };
  if (request.dimensions !== undefined) body.dimensions = request.dimensions;
  return JSON.stringify(body);
}

const protocol = (message: string): ParleyError =>
  new ParleyError('upstream_protocol', `The provider's embeddings answer is malformed: ${message}`);

/**
 * Reads OpenAI's `{object:"list", data:[{index, embedding}], model, usage}` into a result in input order.
 * Checks what the caller relies on: one vector per input, each index once, every vector in the asked encoding.
 */
export function parseEmbeddingsPayload(payload: unknown, request: EmbeddingRequest): EmbeddingResult {
  if (typeof payload !== 'object' || payload === null) throw protocol('not a JSON object');
  const p = payload as { data?: unknown; model?: unknown; usage?: { prompt_tokens?: unknown } | null; error?: unknown };
  if (p.error != null) throw streamPayloadError(payload);
  if (!Array.isArray(p.data)) throw protocol('no data array');
  const count = request.input.kind === 'text' ? request.input.texts.length : request.input.tokens.length;
  if (p.data.length !== count) throw protocol(`${p.data.length} vectors for ${count} inputs`);
  const vectors: (number[] | string)[] = new Array<number[] | string>(count);
  p.data.forEach((item: unknown, position) => {
    const { index, embedding } = (item ?? {}) as { index?: unknown; embedding?: unknown };
    const at = typeof index === 'number' ? index : position;
    if (!Number.isInteger(at) || at < 0 || at >= count || vectors[at] !== undefined)
      throw protocol(`index ${String(index)} is out of range or repeated`);
    const ok =
      request.encodingFormat === 'base64'
        ? typeof embedding === 'string'
        : Array.isArray(embedding) && embedding.every((x) => typeof x === 'number');
    if (!ok)
      throw protocol(
        `vector ${at} is not ${request.encodingFormat === 'base64' ? 'a base64 string' : 'an array of numbers'}`,
      );
    vectors[at] = embedding as number[] | string;
  });
  const tokens = p.usage?.prompt_tokens;
  const result: EmbeddingResult = { vectors, inputTokens: typeof tokens === 'number' && tokens >= 0 ? tokens : 0 };
  if (typeof p.model === 'string') result.model = p.model;
  return result;
}

/** Creates the embeddings adapter of one OpenAI-compatible provider. */
export function createOpenAIEmbeddingsModel(cfg: OpenAIEmbeddingsConfig): EmbeddingProviderModel {
  const { origin, path, dispatcher, baseHeaders, close, limits } = createUpstreamEndpoint(cfg, '/embeddings');
  const maxBodyBytes =
    (cfg.limits?.maxBodyBytes ?? limits.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES) * EMBEDDINGS_BODY_FACTOR;
  const headersOf = (options: CallOptions): Record<string, string> => {
    const headers = callHeaders(
      baseHeaders,
      'authorization',
      'Bearer ',
      options.credential?.secret,
      options.traceHeaders,
    );
    headers.accept = 'application/json';
    return headers;
  };

  async function* stream(request: EmbeddingRequest, options: CallOptions): AsyncGenerator<EmbeddingEvent> {
    const { signal } = options;
    const res = await postUpstream(dispatcher, origin, path, headersOf(options), buildEmbeddingsBody(request), signal);
    const result = await readJsonAnswer(res, maxBodyBytes, signal, (payload) =>
      parseEmbeddingsPayload(payload, request),
    );
    yield { type: 'finish', result };
  }

  return { provider: cfg.id, stream, close };
}
