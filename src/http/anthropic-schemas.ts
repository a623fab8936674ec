// Anthropic Messages API schemas: the request (top-level fields checked by Ajv; blocks by anthropic-request.ts), the
// message and the error envelope.

import { Type, type Static } from 'typebox';

const Loose = (description: string) => Type.Object({}, { additionalProperties: true, description });

/**
 * Top-level fields of `POST /v1/messages`; any other field is refused by name. Blocks are checked field by field in
 * code.
 */
export const MessagesRequest = Type.Object(
  {
    model: Type.String({ minLength: 1, maxLength: 256, description: 'A Parley model alias (see GET /v1/models).' }),
    max_tokens: Type.Integer({
      minimum: 1,
      description: 'The most tokens the answer may have (required, as in the Messages API).',
    }),
    messages: Type.Array(
      Loose('A user or assistant turn: { role, content } with content a string or content blocks.'),
      { minItems: 1, maxItems: 10_000 },
    ),
    system: Type.Optional(
      Type.Union([Type.String(), Type.Array(Loose('A text block: { type: "text", text, cache_control? }.'))]),
    ),
    stream: Type.Optional(Type.Boolean()),
    stop_sequences: Type.Optional(Type.Array(Type.String({ maxLength: 256 }), { maxItems: 64 })),
    temperature: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    top_p: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    top_k: Type.Optional(Type.Integer({ description: 'Refused: Parley cannot honour top_k on every target type.' })),
    metadata: Type.Optional(
      Type.Object(
        { user_id: Type.Optional(Type.Union([Type.String({ maxLength: 256 }), Type.Null()])) },
        { additionalProperties: false },
      ),
    ),
    tools: Type.Optional(
      Type.Array(Loose('A client tool: { name, description?, input_schema, cache_control?, strict? }.'), {
        maxItems: 512,
      }),
    ),
    tool_choice: Type.Optional(
      Loose('{ type: auto | any | tool | none, name? (type tool), disable_parallel_tool_use? }.'),
    ),
    thinking: Type.Optional(Loose('{ type: "enabled", budget_tokens, display? } or { type: "disabled" }.')),
    output_config: Type.Optional(Loose('{ effort: low | medium | high }, with thinking { type: "adaptive" }.')),
    context_management: Type.Optional(
      Loose(
        '{ edits: [{ type: "clear_thinking_20251015", keep? }] }: applied by Parley to the turns ' +
          'before any target sees them.',
      ),
    ),
    service_tier: Type.Optional(Type.String({ description: 'Only "auto" (the default) is accepted.' })),
    cache_control: Type.Optional(
      Type.Union(
        [
          Type.Object(
            { type: Type.Literal('ephemeral'), ttl: Type.Optional(Type.String()) },
            { additionalProperties: false },
          ),
          Type.Null(),
        ],
        { description: 'Automatic prompt caching: accepted, not forwarded (it changes cost, not the answer).' },
      ),
    ),
  },
  { additionalProperties: false, description: "Anthropic's Messages API request. Unknown fields are refused by name." },
);

/** `POST /v1/messages/count_tokens`: the fields that make up the prompt. */
export const CountTokensRequest = Type.Object(
  {
    model: MessagesRequest.properties.model,
    messages: MessagesRequest.properties.messages,
    system: MessagesRequest.properties.system,
    tools: MessagesRequest.properties.tools,
    tool_choice: MessagesRequest.properties.tool_choice,
    thinking: MessagesRequest.properties.thinking,
  },
  { additionalProperties: false, description: 'The prompt whose size is estimated.' },
);

type Obj = Record<string, unknown>;
type Blocks = {
  messages: Obj[];
  system?: string | Obj[];
  tools?: Obj[];
  tool_choice?: Obj;
  thinking?: Obj;
  output_config?: Obj;
  context_management?: Obj;
};
/** The request body, its loose parts (checked in code) typed as plain records. */
export type MessagesBody = Omit<Static<typeof MessagesRequest>, keyof Blocks> & Blocks;
export type CountTokensBody = Omit<Static<typeof CountTokensRequest>, keyof Blocks> & Blocks;

/** Anthropic's error envelope. */
export const AnthropicErrorEnvelope = Type.Object(
  {
    type: Type.Literal('error'),
    error: Type.Object({
      type: Type.String({ description: "Anthropic error type, e.g. 'invalid_request_error', 'overloaded_error'." }),
      message: Type.String({ description: 'What went wrong and how to fix it.' }),
    }),
    request_id: Type.Optional(Type.String()),
  },
  { description: "Anthropic's error envelope." },
);

/** A non-streamed Message (content blocks are passed through as built). */
export const MessageResponse = Type.Object(
  {
    id: Type.String(),
    type: Type.Literal('message'),
    role: Type.Literal('assistant'),
    content: Type.Array(Loose('text, thinking, redacted_thinking or tool_use block.')),
    model: Type.String(),
    stop_reason: Type.Union([Type.String(), Type.Null()]),
    stop_sequence: Type.Union([Type.String(), Type.Null()]),
    usage: Loose(
      'input_tokens, output_tokens and, when the target reported them, cache_read_input_tokens ' +
        'and cache_creation_input_tokens.',
    ),
  },
  { description: 'An Anthropic Message.' },
);

export const CountTokensResponse = Type.Object({
  input_tokens: Type.Integer({
    description: 'An estimate (about 4 characters per token), not the target tokenizer’s count.',
  }),
});
