// OpenAI Chat Completions request body from a ChatRequest: messages with parts, tool calls and results, tools, formats.

import type { ChatMessage, ChatRequest, ToolChoice } from '../../domain/index.js';

const STREAM_OPTIONS = { include_usage: true };

/** Put before a tool result marked as an error (Anthropic `is_error`), which OpenAI's tool messages cannot flag. */
export const TOOL_ERROR_PREFIX = 'Error: ';

/**
 * The reasoning effort for an explicit thinking budget (Anthropic `budget_tokens`): up to 4k low, up to 16k medium,
 * above high.
 */
export function effortForBudget(budget: number): 'low' | 'medium' | 'high' {
  return budget <= 4096 ? 'low' : budget <= 16_384 ? 'medium' : 'high';
}

/** One domain message as an OpenAI message. */
export function toOpenAIMessage(m: ChatMessage): Record<string, unknown> {
  // Chat Completions has no error flag on tool results: a failed call says so in its text.
  if (m.role === 'tool')
    return {
      role: 'tool',
      tool_call_id: m.toolCallId,
      content: m.isError === true ? `${TOOL_ERROR_PREFIX}${m.content}` : m.content,
    };
  const content =
    m.parts === undefined
      ? m.content
      : m.parts.map((p) =>
          p.type === 'text'
            ? { type: 'text', text: p.text }
            : {
                type: 'image_url',
                image_url: p.detail === undefined ? { url: p.url } : { url: p.url, detail: p.detail },
              },
        );
  if (m.role !== 'assistant' || m.toolCalls === undefined || m.toolCalls.length === 0) return { role: m.role, content };
  return {
    role: 'assistant',
    content: m.content === '' ? null : content,
    tool_calls: m.toolCalls.map((c) => ({
      id: c.id,
      type: 'function',
      function: { name: c.name, arguments: c.arguments },
    })),
  };
}

function toolChoice(choice: ToolChoice): unknown {
  return typeof choice === 'string' ? choice : { type: 'function', function: { name: choice.name } };
}

/** Serialises a ChatRequest as an OpenAI Chat Completions body (one JSON.stringify). */
export function buildOpenAIBody(request: ChatRequest): string {
  const p = request.params;
  const body: Record<string, unknown> = { model: request.model, messages: request.messages.map(toOpenAIMessage) };
  // Reasoning models take only max_completion_tokens; older compatible servers know only max_tokens.
  const effort = p.thinkingBudget !== undefined ? effortForBudget(p.thinkingBudget) : p.reasoningEffort;
  if (p.maxTokens !== undefined) body[effort === undefined ? 'max_tokens' : 'max_completion_tokens'] = p.maxTokens;
  if (p.temperature !== undefined) body.temperature = p.temperature;
  if (p.topP !== undefined) body.top_p = p.topP;
  if (p.stop !== undefined && p.stop.length > 0) body.stop = p.stop;
  if (p.seed !== undefined) body.seed = p.seed;
  if (p.presencePenalty !== undefined) body.presence_penalty = p.presencePenalty;
  if (p.frequencyPenalty !== undefined) body.frequency_penalty = p.frequencyPenalty;
  // A deferred tool stays hidden from the model (as Anthropic's defer_loading does until a tool search loads it).
  const shown = p.tools?.filter((t) => t.deferLoading !== true);
  if (shown !== undefined && shown.length > 0) {
    body.tools = shown.map((t) => ({
      type: 'function',
      function: {
        name: t.name,
        ...(t.description === undefined ? {} : { description: t.description }),
        parameters: t.parameters,
        ...(t.strict === undefined ? {} : { strict: t.strict }),
      },
    }));
  }
  if (p.toolChoice !== undefined) body.tool_choice = toolChoice(p.toolChoice);
  if (p.parallelToolCalls !== undefined && body.tools !== undefined) body.parallel_tool_calls = p.parallelToolCalls;
  const f = p.responseFormat;
  if (f?.type === 'json') body.response_format = { type: 'json_object' };
  else if (f?.type === 'json-schema') {
    body.response_format = {
      type: 'json_schema',
      json_schema: {
        name: f.name,
        schema: f.schema,
        ...(f.description === undefined ? {} : { description: f.description }),
        ...(f.strict === undefined ? {} : { strict: f.strict }),
      },
    };
  }
  if (effort !== undefined) body.reasoning_effort = effort;
  if (p.logprobs !== undefined) {
    body.logprobs = true;
    if (p.logprobs.top > 0) body.top_logprobs = p.logprobs.top;
  }
  if (p.logitBias !== undefined) body.logit_bias = p.logitBias;
  if (request.stream !== false) {
    body.stream = true;
    body.stream_options = STREAM_OPTIONS;
  }
  return JSON.stringify(body);
}
