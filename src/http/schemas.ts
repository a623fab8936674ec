// Request and response schemas: the same objects validate requests (Fastify/Ajv) and generate /openapi.json.

import { Type, type Static } from 'typebox';
import type { ParleyConfig } from '../config/types.js';
import { formatBytes, imageTypeNames, MAX_IMAGE_BYTES, MAX_IMAGES_PER_MESSAGE } from '../domain/image-limits.js';

export const ErrorEnvelope = Type.Object(
  {
    error: Type.Object({
      message: Type.String({ description: 'What went wrong and how to fix it.' }),
      type: Type.String({ description: "OpenAI error type, e.g. 'invalid_request_error'." }),
      code: Type.Union([Type.String(), Type.Null()], { description: 'Parley error code from the catalogue.' }),
      param: Type.Union([Type.String(), Type.Null()], { description: 'The request field at fault, if any.' }),
    }),
  },
  { $id: 'ErrorEnvelope', description: "OpenAI's error envelope." },
);

const Usage = Type.Object({
  prompt_tokens: Type.Integer(),
  completion_tokens: Type.Integer(),
  total_tokens: Type.Integer(),
  prompt_tokens_details: Type.Optional(
    Type.Object({
      cached_tokens: Type.Optional(
        Type.Integer({ description: "Prompt tokens read from the provider's prompt cache." }),
      ),
      cache_creation_tokens: Type.Optional(
        Type.Integer({ description: "Prompt tokens written to the provider's prompt cache (Anthropic targets)." }),
      ),
    }),
  ),
  completion_tokens_details: Type.Optional(Type.Object({ reasoning_tokens: Type.Optional(Type.Integer()) })),
});

const ToolCallOut = Type.Object({
  id: Type.String(),
  type: Type.Literal('function'),
  function: Type.Object({
    name: Type.String(),
    arguments: Type.String({ description: 'JSON text of the arguments.' }),
  }),
});

const TokenLogprob = Type.Object({
  token: Type.String(),
  logprob: Type.Number(),
  bytes: Type.Union([Type.Array(Type.Integer()), Type.Null()]),
  top_logprobs: Type.Array(
    Type.Object({
      token: Type.String(),
      logprob: Type.Number(),
      bytes: Type.Union([Type.Array(Type.Integer()), Type.Null()]),
    }),
  ),
});

/** Feedback reasons: a fixed list so no free text is ever kept. */
export const FEEDBACK_REASONS = [
  'helpful',
  'accurate',
  'inaccurate',
  'unhelpful',
  'unsafe',
  'too-slow',
  'other',
] as const;

const ContentPart = Type.Object(
  {
    type: Type.String({ description: 'text or image_url (input_audio and file are refused by name).' }),
    text: Type.Optional(Type.String()),
    image_url: Type.Optional(
      Type.Object(
        {
          url: Type.String({ description: 'An https URL or a data: URL (base64).' }),
          detail: Type.Optional(Type.Enum(['auto', 'low', 'high'])),
        },
        { additionalProperties: true },
      ),
    ),
  },
  { additionalProperties: true },
);

const ToolCallIn = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 256 }),
    type: Type.Optional(Type.Literal('function')),
    function: Type.Object(
      { name: Type.String({ minLength: 1, maxLength: 128 }), arguments: Type.String() },
      { additionalProperties: true },
    ),
  },
  { additionalProperties: true },
);

const FunctionTool = Type.Object(
  {
    type: Type.Literal('function', { description: 'Only function tools are supported.' }),
    function: Type.Object(
      {
        name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-zA-Z0-9_-]+$' }),
        description: Type.Optional(Type.String()),
        parameters: Type.Optional(
          Type.Object({}, { additionalProperties: true, description: 'JSON Schema of the arguments.' }),
        ),
        strict: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
      },
      { additionalProperties: true },
    ),
  },
  { additionalProperties: true },
);

/** Builds the schemas whose bounds come from configuration (done once at start-up). */
export function buildSchemas(config: ParleyConfig) {
  const { maxMessages, maxMessageChars, maxTokens } = config.limits;
  const content = Type.String({
    maxLength: maxMessageChars,
    description: `Message text, at most ${maxMessageChars} characters.`,
  });

  const ChatCompletionMessage = Type.Object(
    {
      role: Type.Enum(['system', 'developer', 'user', 'assistant', 'tool'], {
        description: 'Who wrote the message; tool: the result of a tool call.',
      }),
      content: Type.Optional(Type.Union([content, Type.Array(ContentPart, { maxItems: 64 }), Type.Null()])),
      name: Type.Optional(Type.String({ maxLength: 64 })),
      tool_calls: Type.Optional(
        Type.Array(ToolCallIn, { maxItems: 128, description: 'Assistant only: the tool calls it made.' }),
      ),
      tool_call_id: Type.Optional(
        Type.String({ minLength: 1, maxLength: 256, description: 'Tool only: the call this message answers.' }),
      ),
    },
    { additionalProperties: true },
  );

  const ChatCompletionRequest = Type.Object(
    {
      model: Type.String({ minLength: 1, maxLength: 256, description: 'A model name from GET /v1/models.' }),
      messages: Type.Array(ChatCompletionMessage, { minItems: 1, maxItems: maxMessages }),
      stream: Type.Optional(Type.Boolean()),
      stream_options: Type.Optional(
        Type.Union([
          Type.Object({ include_usage: Type.Optional(Type.Boolean()) }, { additionalProperties: true }),
          Type.Null(),
        ]),
      ),
      temperature: Type.Optional(Type.Union([Type.Number({ minimum: 0, maximum: 2 }), Type.Null()])),
      top_p: Type.Optional(Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()])),
      max_tokens: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: maxTokens }), Type.Null()])),
      max_completion_tokens: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: maxTokens }), Type.Null()])),
      stop: Type.Optional(
        Type.Union([
          Type.String({ maxLength: 256 }),
          Type.Array(Type.String({ maxLength: 256 }), { maxItems: 4 }),
          Type.Null(),
        ]),
      ),
      seed: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
      presence_penalty: Type.Optional(Type.Union([Type.Number({ minimum: -2, maximum: 2 }), Type.Null()])),
      frequency_penalty: Type.Optional(Type.Union([Type.Number({ minimum: -2, maximum: 2 }), Type.Null()])),
      n: Type.Optional(
        Type.Union([Type.Integer({ minimum: 1, maximum: 128 }), Type.Null()], {
          description: 'Only 1 is supported; more is refused by name.',
        }),
      ),
      tools: Type.Optional(Type.Array(FunctionTool, { maxItems: 128 })),
      tool_choice: Type.Optional(
        Type.Union([
          Type.Enum(['auto', 'none', 'required']),
          Type.Object(
            {
              type: Type.Literal('function'),
              function: Type.Object({ name: Type.String() }, { additionalProperties: true }),
            },
            { additionalProperties: true },
          ),
        ]),
      ),
      parallel_tool_calls: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
      response_format: Type.Optional(
        Type.Object(
          {
            type: Type.Enum(['text', 'json_object', 'json_schema']),
            json_schema: Type.Optional(
              Type.Object(
                {
                  name: Type.String({ minLength: 1, maxLength: 64 }),
                  description: Type.Optional(Type.String()),
                  schema: Type.Optional(Type.Object({}, { additionalProperties: true })),
                  strict: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
                },
                { additionalProperties: true },
              ),
            ),
          },
          { additionalProperties: true },
        ),
      ),
      reasoning_effort: Type.Optional(
        Type.Union([Type.Enum(['none', 'minimal', 'low', 'medium', 'high']), Type.Null()]),
      ),
      logprobs: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
      top_logprobs: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 20 }), Type.Null()])),
      logit_bias: Type.Optional(
        Type.Union([Type.Record(Type.String(), Type.Number({ minimum: -100, maximum: 100 })), Type.Null()]),
      ),
      user: Type.Optional(Type.String({ maxLength: 256 })),
    },
    {
      additionalProperties: true,
      description: "OpenAI's Chat Completions request. Unknown fields are accepted and ignored.",
    },
  );

  const ChatCompletion = Type.Object({
    id: Type.String(),
    object: Type.Literal('chat.completion'),
    created: Type.Integer(),
    model: Type.String(),
    choices: Type.Array(
      Type.Object({
        index: Type.Integer(),
        message: Type.Object({
          role: Type.Literal('assistant'),
          content: Type.Union([Type.String(), Type.Null()]),
          refusal: Type.Null(),
          tool_calls: Type.Optional(Type.Array(ToolCallOut)),
          reasoning_content: Type.Optional(
            Type.String({
              description:
                "The model's reasoning text, when the target reports it (Anthropic thinking, " +
                'reasoning_content of compatible servers).',
            }),
          ),
        }),
        logprobs: Type.Union([Type.Object({ content: Type.Array(TokenLogprob), refusal: Type.Null() }), Type.Null()]),
        finish_reason: Type.String(),
      }),
    ),
    usage: Type.Optional(Usage),
  });

  const Model = Type.Object({
    id: Type.String(),
    object: Type.Literal('model'),
    created: Type.Integer(),
    owned_by: Type.String(),
    capabilities: Type.Optional(
      Type.Array(Type.String(), {
        description: 'What the model can do (tools, vision, json_schema, reasoning); absent: not configured, assumed.',
      }),
    ),
  });
  const ModelList = Type.Object({ object: Type.Literal('list'), data: Type.Array(Model) });

  const StoredMessage = Type.Object({
    id: Type.String(),
    role: Type.Union([Type.Literal('user'), Type.Literal('assistant'), Type.Literal('system')]),
    content: Type.String(),
    createdAt: Type.String({ format: 'date-time' }),
    finishReason: Type.Optional(Type.String()),
    incomplete: Type.Optional(Type.Boolean({ description: 'The answer was cut off by an error or a stop.' })),
    usage: Type.Optional(Type.Object({ inputTokens: Type.Integer(), outputTokens: Type.Integer() })),
    feedback: Type.Optional(Type.Object({ rating: Type.String(), reason: Type.Optional(Type.String()) })),
    model: Type.Optional(Type.String({ description: 'The model alias that wrote this answer.' })),
    images: Type.Optional(
      Type.Array(Type.Object({ url: Type.String({ description: 'The image as a base64 data URL.' }) }), {
        description: 'Images of a user message, in order.',
      }),
    ),
    reasoning: Type.Optional(
      Type.String({ description: 'Reasoning text the model returned with this answer (not sent back to the model).' }),
    ),
  });

  const sessionFields = {
    id: Type.String(),
    object: Type.Literal('session'),
    model: Type.String({ description: 'The model the next turn goes to.' }),
    title: Type.Optional(Type.String({ description: 'The name shown in the chat list.' })),
    system: Type.Optional(Type.String({ description: 'The system prompt of the whole session.' })),
    createdAt: Type.String({ format: 'date-time' }),
    lastActiveAt: Type.String({ format: 'date-time' }),
    expiresAt: Type.String({
      format: 'date-time',
      description: 'When the session and its content are purged unless used again.',
    }),
  };
  const SessionView = Type.Object({ ...sessionFields, messages: Type.Array(StoredMessage) });
  const SessionList = Type.Object({
    object: Type.Literal('list'),
    data: Type.Array(Type.Object(sessionFields), {
      description: "The caller's own live sessions, most recently active first, without messages.",
    }),
  });
  const title = Type.String({
    minLength: 1,
    maxLength: 200,
    description: 'The name shown in the chat list, at most 200 characters.',
  });
  const UpdateSession = Type.Object(
    {
      title: Type.Optional(title),
      model: Type.Optional(
        Type.String({
          minLength: 1,
          maxLength: 256,
          description: 'Switch the model: the next turn goes to it, with the whole history.',
        }),
      ),
    },
    { additionalProperties: false, minProperties: 1 },
  );

  const CreateSession = Type.Object(
    {
      model: Type.Optional(
        Type.String({ minLength: 1, maxLength: 256, description: 'Defaults to the first configured model.' }),
      ),
      system: Type.Optional(
        Type.String({ maxLength: maxMessageChars, description: 'System prompt for the whole session.' }),
      ),
      title: Type.Optional(title),
    },
    { additionalProperties: false },
  );

  const SendMessage = Type.Object(
    {
      content: Type.String({
        maxLength: maxMessageChars,
        description: 'The message text; may be empty when images are attached.',
      }),
      images: Type.Optional(
        Type.Array(
          Type.Object(
            { url: Type.String({ description: 'A base64 data URL: data:image/png;base64,…' }) },
            { additionalProperties: false },
          ),
          {
            description:
              `Image parts (models with "vision" only): at most ${MAX_IMAGES_PER_MESSAGE}, each a ` +
              `${imageTypeNames()} image of at most ${formatBytes(MAX_IMAGE_BYTES)}, as a base64 data URL.`,
          },
        ),
      ),
      stream: Type.Optional(
        Type.Boolean({ description: 'Answer as Server-Sent Events (start, reasoning, delta, done, error).' }),
      ),
      replaceFrom: Type.Optional(
        Type.String({
          maxLength: 64,
          description: 'Drop this user message and all after it first (regenerate, edit).',
        }),
      ),
    },
    { additionalProperties: false },
  );

  const SendMessageResult = Type.Object({
    userMessage: StoredMessage,
    message: StoredMessage,
    protected: Type.Record(Type.String(), Type.Integer(), {
      description: 'Personal data items protected per category.',
    }),
  });

  const Feedback = Type.Object(
    {
      rating: Type.Enum(['up', 'down']),
      reason: Type.Optional(
        Type.Enum(FEEDBACK_REASONS, { description: 'A reason from a fixed list; free text is never kept.' }),
      ),
    },
    { additionalProperties: false },
  );

  const SessionParams = Type.Object({ id: Type.String({ maxLength: 128 }) });
  const ModelParams = Type.Object({ model: Type.String({ maxLength: 256 }) });
  const MessageParams = Type.Object({
    id: Type.String({ maxLength: 128 }),
    messageId: Type.String({ maxLength: 128 }),
  });

  return {
    ChatCompletionRequest,
    ChatCompletion,
    ModelList,
    Model,
    SessionView,
    SessionList,
    UpdateSession,
    CreateSession,
    SendMessage,
    SendMessageResult,
    StoredMessage,
    Feedback,
    SessionParams,
    ModelParams,
    MessageParams,
  };
}

export type Schemas = ReturnType<typeof buildSchemas>;
export type ChatCompletionBody = Static<Schemas['ChatCompletionRequest']>;
export type ChatCompletionMessageBody = ChatCompletionBody['messages'][number];
