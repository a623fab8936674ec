// POST /v1/embeddings: OpenAI's wire format over the embeddings path (privacy, limits, cache, routing).

import { Type, type Static } from 'typebox';
import type { EmbeddingService } from '../../chat/embedding-service.js';
import { parseEmbeddingInput } from '../embeddings-request.js';
import {
  cacheModeOf,
  principalOf,
  traceHeadersOf,
  traceObserverOf,
  stepTraceOf,
  type InflightRegistry,
  type ParleyApp,
} from '../request-context.js';
import { ErrorEnvelope } from '../schemas.js';
import { noteRun, runHeaders } from './run-headers.js';

export interface EmbeddingsDeps {
  embeddings: EmbeddingService;
  inflight: InflightRegistry;
  /** `limits.maxMessageChars`: the longest text input. */
  maxInputChars: number;
}

const EmbeddingRequestBody = Type.Object(
  {
    model: Type.String({
      minLength: 1,
      maxLength: 256,
      description: 'A model alias from the `models:` configuration.',
    }),
    input: Type.Unknown({
      description:
        'A string, an array of strings, an array of token ids or an array of token arrays (at most 2048 inputs).',
    }),
    encoding_format: Type.Optional(
      Type.Enum(['float', 'base64'], {
        description: 'float (default): arrays of numbers; base64: little-endian float32 bytes in base64.',
      }),
    ),
    dimensions: Type.Optional(
      Type.Integer({ minimum: 1, description: 'Shortened vectors, for models that support it.' }),
    ),
    user: Type.Optional(Type.String({ maxLength: 256, description: 'End-user id; accepted, not forwarded.' })),
  },
  { additionalProperties: false, description: "OpenAI's Embeddings request. Unknown fields are refused by name." },
);
type EmbeddingRequestBody = Static<typeof EmbeddingRequestBody>;

const EmbeddingList = Type.Object({
  object: Type.Literal('list'),
  data: Type.Array(
    Type.Object({
      object: Type.Literal('embedding'),
      index: Type.Integer(),
      embedding: Type.Unknown({
        description:
          'An array of numbers (encoding_format float) or a base64 string of little-endian float32 (base64).',
      }),
    }),
  ),
  model: Type.String({ description: 'The model alias asked for.' }),
  usage: Type.Object({ prompt_tokens: Type.Integer(), total_tokens: Type.Integer() }),
});

/** Registers the OpenAI-compatible embeddings endpoint. */
export function registerEmbeddings(app: ParleyApp, deps: EmbeddingsDeps): void {
  app.post(
    '/v1/embeddings',
    {
      config: { permission: 'chat', chatAdmission: true },
      schema: {
        tags: ['openai'],
        summary: 'Create embeddings (OpenAI-compatible; OpenAI-compatible targets only)',
        body: EmbeddingRequestBody,
        response: { 200: EmbeddingList, '4xx': ErrorEnvelope, '5xx': ErrorEnvelope },
      },
    },
    async (request, reply) => {
      const body = request.body as EmbeddingRequestBody;
      request.parley.log.model = body.model;
      const input = parseEmbeddingInput(body.input, deps.maxInputChars);
      const answer = await deps.embeddings.embed({
        requestId: request.id,
        principal: principalOf(request),
        admission: request.parley.admission,
        model: body.model,
        input,
        encodingFormat: body.encoding_format ?? 'float',
        ...(body.dimensions === undefined ? {} : { dimensions: body.dimensions }),
        cacheMode: cacheModeOf(request),
        signal: deps.inflight.signalFor(reply),
        traceHeaders: traceHeadersOf(request),
        observer: traceObserverOf(request),
        trace: stepTraceOf(request),
      });
      noteRun(request, answer, 'embeddings');
      void reply.headers(runHeaders(answer));
      const tokens = answer.result.inputTokens;
      return {
        object: 'list' as const,
        data: answer.result.vectors.map((embedding, index) => ({ object: 'embedding' as const, index, embedding })),
        model: body.model,
        usage: { prompt_tokens: tokens, total_tokens: tokens },
      };
    },
  );
}
