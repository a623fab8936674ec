// OpenAI Chat Completions request at the edge: body to domain messages and parameters, refusing what cannot be
// honoured.

import { ParleyError } from '../domain/index.js';
import { imageDataMessage, imageDataProblem } from '../domain/image-data.js';
import type {
  ChatMessage,
  ChatParams,
  ContentPart,
  ResponseFormat,
  ToolChoice,
  ToolDefinition,
} from '../domain/index.js';
import type { ChatCompletionBody, ChatCompletionMessageBody } from './schemas.js';

const invalid = (param: string, message: string): ParleyError => new ParleyError('invalid_request', message, { param });

/** Fields that change the answer and that Parley cannot honour on any target: refused by name. */
const REFUSED: readonly { field: string; applies: (body: Record<string, unknown>) => boolean; why: string }[] = [
  {
    field: 'n',
    applies: (b) => typeof b.n === 'number' && b.n > 1,
    why:
      'only one choice per request is supported; send n: 1 (or leave it out) and repeat the ' +
      'request for more answers',
  },
  { field: 'audio', applies: (b) => b.audio != null, why: 'audio output is not supported' },
  {
    field: 'modalities',
    applies: (b) => Array.isArray(b.modalities) && b.modalities.some((m) => m !== 'text'),
    why: 'only text output is supported',
  },
  {
    field: 'functions',
    applies: (b) => b.functions != null,
    why: 'the legacy functions field is not supported; use tools',
  },
  {
    field: 'function_call',
    applies: (b) => b.function_call != null,
    why: 'the legacy function_call field is not supported; use tool_choice',
  },
  { field: 'web_search_options', applies: (b) => b.web_search_options != null, why: 'web search is not supported' },
];

/** Throws the 400 for the first meaning-changing field that cannot be honoured. */
export function refuseUnsupported(body: ChatCompletionBody): void {
  const raw = body as unknown as Record<string, unknown>;
  for (const r of REFUSED) if (r.applies(raw)) throw invalid(r.field, `${r.field} is not supported: ${r.why}.`);
}

const IMAGE_DATA_URL = /^data:(image\/[a-z0-9.+-]+);base64,/i;

function imagePart(part: ChatCompletionMessageBody['content'] & object, param: string): ContentPart {
  const p = part as { image_url?: { url?: string; detail?: 'auto' | 'low' | 'high' } };
  const url = p.image_url?.url;
  const data = typeof url === 'string' ? IMAGE_DATA_URL.exec(url) : null;
  if (typeof url !== 'string' || !(data !== null || /^https:\/\//i.test(url))) {
    throw invalid(
      `${param}.image_url.url`,
      `${param}.image_url.url must be an https URL or a base64 data URL of an image (data:image/png;base64,...).`,
    );
  }
  if (data !== null) {
    const mediaType = data[1].toLowerCase();
    const problem = imageDataProblem(mediaType, url.slice(data[0].length));
    if (problem)
      throw invalid(`${param}.image_url.url`, imageDataMessage(problem, `${param}.image_url.url`, mediaType));
  }
  return p.image_url?.detail === undefined
    ? { type: 'image', url }
    : { type: 'image', url, detail: p.image_url.detail };
}

/** The parts of one message's content (text and images), refusing other part types by name. */
function contentParts(
  content: NonNullable<ChatCompletionMessageBody['content']>,
  role: string,
  index: number,
): ContentPart[] | string {
  if (typeof content === 'string') return content;
  const parts: ContentPart[] = [];
  content.forEach((part, j) => {
    const param = `messages.${index}.content.${j}`;
    if (part.type === 'text') {
      if (typeof part.text !== 'string') throw invalid(`${param}.text`, `${param}.text must be a string.`);
      parts.push({ type: 'text', text: part.text });
    } else if (part.type === 'image_url') {
      if (role !== 'user') throw invalid(param, `${param}: images are accepted in user messages only.`);
      parts.push(imagePart(part as never, param));
    } else {
      throw invalid(param, `${param} has type "${part.type}", which is not supported; use text or image_url parts.`);
    }
  });
  return parts;
}

/** Request messages as domain messages (`developer` is treated as `system`). */
export function toDomainMessages(messages: ChatCompletionBody['messages']): ChatMessage[] {
  return messages.map((m, i): ChatMessage => {
    const role = m.role === 'developer' ? 'system' : m.role;
    const parts = m.content == null ? '' : contentParts(m.content, role, i);
    const message: ChatMessage =
      typeof parts === 'string'
        ? { role, content: parts }
        : {
            role,
            content: parts
              .filter((p) => p.type === 'text')
              .map((p) => p.text)
              .join(''),
          };
    if (typeof parts !== 'string' && parts.some((p) => p.type === 'image')) message.parts = parts;
    if (m.tool_calls !== undefined && m.tool_calls.length > 0) {
      if (role !== 'assistant')
        throw invalid(`messages.${i}.tool_calls`, `messages.${i}.tool_calls is allowed on assistant messages only.`);
      message.toolCalls = m.tool_calls.map((c) => ({
        id: c.id,
        name: c.function.name,
        arguments: c.function.arguments,
      }));
    }
    if (role === 'tool') {
      if (m.tool_call_id === undefined)
        throw invalid(`messages.${i}.tool_call_id`, `messages.${i}.tool_call_id is required on tool messages.`);
      message.toolCallId = m.tool_call_id;
    }
    return message;
  });
}

function toTools(tools: NonNullable<ChatCompletionBody['tools']>): ToolDefinition[] {
  return tools.map((t) => {
    const tool: ToolDefinition = {
      name: t.function.name,
      parameters: (t.function.parameters as Record<string, unknown> | undefined) ?? { type: 'object', properties: {} },
    };
    if (t.function.description !== undefined) tool.description = t.function.description;
    if (t.function.strict != null) tool.strict = t.function.strict;
    return tool;
  });
}

function toToolChoice(
  choice: NonNullable<ChatCompletionBody['tool_choice']>,
  tools: ToolDefinition[] | undefined,
): ToolChoice {
  if (typeof choice === 'string') {
    if (choice !== 'none' && tools === undefined)
      throw invalid('tool_choice', `tool_choice "${choice}" needs tools; send tools or leave tool_choice out.`);
    return choice;
  }
  const name = choice.function.name;
  if (!tools?.some((t) => t.name === name))
    throw invalid('tool_choice', `tool_choice names the function "${name}", which is not in tools.`);
  return { name };
}

function toResponseFormat(format: NonNullable<ChatCompletionBody['response_format']>): ResponseFormat {
  if (format.type === 'text') return { type: 'text' };
  if (format.type === 'json_object') return { type: 'json' };
  const js = format.json_schema;
  if (js === undefined)
    throw invalid('response_format.json_schema', 'response_format.json_schema is required when type is json_schema.');
  const out: Extract<ResponseFormat, { type: 'json-schema' }> = {
    type: 'json-schema',
    name: js.name,
    schema: (js.schema as Record<string, unknown> | undefined) ?? { type: 'object' },
  };
  if (js.description !== undefined) out.description = js.description;
  if (js.strict != null) out.strict = js.strict;
  return out;
}

/** Parameters of the answer from the request body (nulls mean "not set"). */
export function toParams(body: ChatCompletionBody): ChatParams {
  const params: ChatParams = {};
  if (body.temperature != null) params.temperature = body.temperature;
  if (body.top_p != null) params.topP = body.top_p;
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (maxTokens != null) params.maxTokens = maxTokens;
  if (body.stop != null) params.stop = typeof body.stop === 'string' ? [body.stop] : body.stop;
  if (body.seed != null) params.seed = body.seed;
  if (body.presence_penalty != null) params.presencePenalty = body.presence_penalty;
  if (body.frequency_penalty != null) params.frequencyPenalty = body.frequency_penalty;
  if (body.tools != null && body.tools.length > 0) params.tools = toTools(body.tools);
  if (body.tool_choice != null) params.toolChoice = toToolChoice(body.tool_choice, params.tools);
  if (body.parallel_tool_calls != null) params.parallelToolCalls = body.parallel_tool_calls;
  if (body.response_format != null && body.response_format.type !== 'text')
    params.responseFormat = toResponseFormat(body.response_format);
  if (body.reasoning_effort != null) params.reasoningEffort = body.reasoning_effort;
  if (body.logprobs === true) params.logprobs = { top: body.top_logprobs ?? 0 };
  else if (body.top_logprobs != null && body.top_logprobs > 0)
    throw invalid('top_logprobs', 'top_logprobs needs logprobs: true.');
  if (body.logit_bias != null && Object.keys(body.logit_bias).length > 0) params.logitBias = body.logit_bias;
  return params;
}
