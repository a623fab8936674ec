// The mock's deterministic "agent": tool calls, JSON answers, reasoning and image counts read from either wire format.

/** A tool call the mock makes, its arguments split into the fragments it streams. */
export interface MockToolCall {
  id: string;
  name: string;
  /** The whole arguments JSON. */
  arguments: string;
  /** `arguments` in stream fragments (about 8 characters each). */
  fragments: string[];
}

/** What the reply carries beyond text. */
export interface MockExtras {
  toolCalls: MockToolCall[];
  /** Reasoning text in stream fragments (empty when not asked for). */
  reasoning: string[];
  /** A JSON answer (response_format), as text; undefined for plain text. */
  json?: string;
  /** Image parts or blocks in the request. */
  images: number;
  /** Text of the trailing tool results (the reply echoes them), or undefined when the last turn is not tool results. */
  toolResults?: string;
}

interface ToolSpec {
  name: string;
  schema: unknown;
}

type Body = Record<string, unknown>;
const isObj = (v: unknown): v is Body => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Splits text into fragments of `size` characters (the last may be shorter). */
export function fragments(text: string, size = 8): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/** A value that fits `schema`: strings are `text` (or the first enum value), numbers 42, booleans true. */
export function sampleFor(schema: unknown, text: string, depth = 0): unknown {
  if (!isObj(schema) || depth > 8) return text;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if ('const' in schema) return schema.const;
  const anyOf = (schema.anyOf ?? schema.oneOf) as unknown[] | undefined;
  if (Array.isArray(anyOf) && anyOf.length > 0) return sampleFor(anyOf[0], text, depth + 1);
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'object': {
      const props = isObj(schema.properties) ? schema.properties : {};
      return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, sampleFor(v, text, depth + 1)]));
    }
    case 'array':
      return [sampleFor(schema.items, text, depth + 1)];
    case 'integer':
    case 'number':
      return 42;
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return isObj(schema.properties) ? sampleFor({ ...schema, type: 'object' }, text, depth) : text;
  }
}

function openaiTools(b: Body): { tools: ToolSpec[]; choice: string; parallel: boolean } {
  const tools = Array.isArray(b.tools)
    ? b.tools.filter(isObj).map((t) => ({
        name: String((t.function as Body | undefined)?.name ?? ''),
        schema: (t.function as Body | undefined)?.parameters,
      }))
    : [];
  const c = b.tool_choice;
  const choice = typeof c === 'string' ? c : isObj(c) && isObj(c.function) ? `name:${String(c.function.name)}` : 'auto';
  return { tools, choice, parallel: b.parallel_tool_calls !== false };
}

function anthropicTools(b: Body): { tools: ToolSpec[]; choice: string; parallel: boolean } {
  const tools = Array.isArray(b.tools)
    ? b.tools.filter(isObj).map((t) => ({ name: String(t.name ?? ''), schema: t.input_schema }))
    : [];
  const c = isObj(b.tool_choice) ? b.tool_choice : undefined;
  const choice =
    c === undefined
      ? 'auto'
      : c.type === 'any'
        ? 'required'
        : c.type === 'tool'
          ? `name:${String(c.name)}`
          : String(c.type);
  return { tools, choice, parallel: c?.disable_parallel_tool_use !== true };
}

function partsOf(content: unknown): Body[] {
  return Array.isArray(content) ? content.filter(isObj) : [];
}

/** Images in a message's content, those inside Anthropic tool_result blocks included. */
function imagesIn(content: unknown): number {
  let n = 0;
  for (const p of partsOf(content))
    if (p.type === 'image_url' || p.type === 'image') n++;
    else if (p.type === 'tool_result') n += imagesIn(p.content);
  return n;
}

/** Text of trailing tool results (OpenAI tool messages; Anthropic tool_result blocks of the last user turn). */
function trailingToolResults(dialect: 'openai' | 'anthropic', messages: Body[]): string | undefined {
  const texts: string[] = [];
  if (dialect === 'openai') {
    for (let i = messages.length - 1; i >= 0 && messages[i].role === 'tool'; i--)
      texts.unshift(String(typeof messages[i].content === 'string' ? messages[i].content : ''));
  } else {
    const last = messages[messages.length - 1];
    for (const block of partsOf(last?.content)) {
      if (block.type !== 'tool_result') continue;
      const c = block.content;
      texts.push(
        typeof c === 'string'
          ? c
          : partsOf(c)
              .map((p) => String(p.text ?? ''))
              .join(''),
      );
    }
  }
  return texts.length > 0 ? texts.join(' ') : undefined;
}

/** Reads tools, tool results, formats, reasoning and images from a request body of either dialect. */
export function readExtras(
  dialect: 'openai' | 'anthropic',
  body: Body,
  lastUserText: string,
  requestId: string,
  pick: { name: string; arguments: Record<string, unknown> } | null = null,
): MockExtras {
  const messages = Array.isArray(body.messages) ? body.messages.filter(isObj) : [];
  const images = messages.reduce((n, m) => n + imagesIn(m.content), 0);
  const toolResults = trailingToolResults(dialect, messages);
  const { tools, choice, parallel } = dialect === 'openai' ? openaiTools(body) : anthropicTools(body);
  const thinking =
    dialect === 'openai'
      ? typeof body.reasoning_effort === 'string' && body.reasoning_effort !== 'none'
      : isObj(body.thinking) && body.thinking.type === 'enabled';
  const reasoning = thinking ? fragments(`Mock thinking about: ${lastUserText}`, 10) : [];
  const extras: MockExtras = {
    toolCalls: [],
    reasoning,
    images,
    ...(toolResults === undefined ? {} : { toolResults }),
  };
  const wantsTools =
    tools.length > 0 &&
    choice !== 'none' &&
    (toolResults === undefined || choice === 'required' || choice.startsWith('name:'));
  if (wantsTools) {
    const picked =
      pick !== null && toolResults === undefined && !choice.startsWith('name:')
        ? tools.filter((t) => t.name === pick.name).slice(0, 1)
        : [];
    const named =
      picked.length > 0
        ? picked
        : choice.startsWith('name:')
          ? tools.filter((t) => t.name === choice.slice(5))
          : tools.slice(0, parallel ? 2 : 1);
    extras.toolCalls = named.map((t, i) => {
      const args = JSON.stringify(
        picked.length > 0 && pick !== null ? pick.arguments : sampleFor(t.schema ?? { type: 'object' }, lastUserText),
      );
      const id = dialect === 'openai' ? `call_${requestId}_${i}` : `toolu_${requestId}_${i}`;
      return { id, name: t.name, arguments: args, fragments: fragments(args) };
    });
    return extras;
  }
  const format = isObj(body.response_format) ? body.response_format : undefined;
  if (dialect === 'openai' && (format?.type === 'json_schema' || format?.type === 'json_object')) {
    const schema =
      format.type === 'json_schema' && isObj(format.json_schema)
        ? format.json_schema.schema
        : { type: 'object', properties: { answer: { type: 'string' } } };
    extras.json = JSON.stringify(sampleFor(schema, lastUserText));
  }
  return extras;
}
