// Integration: models[].capabilities listed by GET /v1/models, refused by name, narrowed per target; OpenAI's tool-call
// chunk shape.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KEYS, modelRequests, parseSse, postJson, standardYaml, startStack, waitFor, type Stack } from './harness.js';
import { expectEnvelope } from './helpers.js';

let stack: Stack;

const extra = `
  - name: textonly
    capabilities: [tools]
    targets:
      - { provider: main, model: gpt-4o-mini }
  - name: mixed
    capabilities: [tools, vision]
    targets:
      - { provider: backup, model: claude-haiku-4-5, capabilities: [tools] }
      - { provider: main, model: gpt-4o }
`;

beforeAll(async () => {
  stack = await startStack({ yaml: standardYaml({ retries: 0, extra }), env: { ...KEYS } });
});
afterAll(async () => stack?.close());
beforeEach(() => stack.mock.clearRequests());

const image = {
  role: 'user',
  content: [
    { type: 'text', text: 'look' },
    { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
  ],
};

describe('model capabilities', () => {
  it('GET /v1/models and GET /v1/models/{id} list configured capabilities (absent when not configured)', async () => {
    const list = (await (await fetch(`${stack.url}/v1/models`)).json()) as {
      data: { id: string; capabilities?: string[] }[];
    };
    expect(list.data.find((m) => m.id === 'mixed')?.capabilities).toEqual(['tools', 'vision']);
    expect(list.data.find((m) => m.id === 'chat')?.capabilities).toBeUndefined();
    const one = (await (await fetch(`${stack.url}/v1/models/textonly`)).json()) as {
      id: string;
      capabilities: string[];
    };
    expect(one).toMatchObject({ id: 'textonly', object: 'model', capabilities: ['tools'] });
  });

  it('refuses a request needing a capability the model lacks with a 400 that says which', async () => {
    const error = await expectEnvelope(
      await postJson(`${stack.url}/v1/chat/completions`, { model: 'textonly', messages: [image] }),
      400,
    );
    expect(error.param).toBe('messages');
    expect(error.message).toMatch(/"vision" is not in its configured capabilities/);
    expect(modelRequests(stack.mock)).toHaveLength(0);
  });

  it('skips a target narrowed without the capability and says so in the response headers', async () => {
    const res = await postJson(`${stack.url}/v1/chat/completions`, { model: 'mixed', messages: [image] });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-parley-provider')).toBe('main');
    expect(res.headers.get('x-parley-skipped-targets')).toBe('backup/claude-haiku-4-5:vision');
    expect(modelRequests(stack.mock).map((r) => r.path)).toEqual(['/v1/chat/completions']);
    // Without an image both targets qualify: the primary (Anthropic) answers.
    const plain = await postJson(`${stack.url}/v1/chat/completions`, {
      model: 'mixed',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(plain.headers.get('x-parley-provider')).toBe('backup');
    expect(plain.headers.get('x-parley-skipped-targets')).toBeNull();
  });
});

describe('Anthropic-only limits', () => {
  it('reasoning_effort with a JSON format is a 400 naming reasoning_effort (extended thinking cannot force a tool)', async () => {
    const error = await expectEnvelope(
      await postJson(`${stack.url}/v1/chat/completions`, {
        model: 'anth',
        messages: [{ role: 'user', content: 'x' }],
        reasoning_effort: 'low',
        response_format: { type: 'json_object' },
      }),
      400,
    );
    expect(error.param).toBe('reasoning_effort');
    expect(modelRequests(stack.mock)).toHaveLength(0);
  });
});

describe('images are counted and audited, never their bytes', () => {
  it('adds to parley_images_total and writes a privacy.images audit event with the count', async () => {
    const two = {
      role: 'user',
      content: [
        ...image.content,
        { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgpQQVJMRVlJTUdCWVRFUw==' } },
      ],
    };
    const res = await postJson(`${stack.url}/v1/chat/completions`, { model: 'solo', messages: [two] });
    expect(res.status).toBe(200);
    const requestId = res.headers.get('x-request-id')!;
    const metrics = await (await fetch(`${stack.url}/metrics`)).text();
    expect(metrics).toMatch(/parley_images_total\{model="solo",action="sent"\} 2/);
    let audit: { data: { requestId: string; details: unknown }[] } = { data: [] };
    await waitFor(async () => {
      audit = (await (await fetch(`${stack.url}/v1/audit?action=privacy.images`)).json()) as typeof audit;
      return audit.data.some((e) => e.requestId === requestId);
    }, 'the privacy.images audit event');
    const event = audit.data.find((e) => e.requestId === requestId);
    expect(event?.details).toEqual({ count: 2, action: 'sent' });
    expect(JSON.stringify(audit)).not.toContain('QQVJMRVlJTUdCWVRFUw');
  });
});

describe("OpenAI's streamed tool-call shape from an Anthropic target", () => {
  it('sends index, id, type and name first with empty arguments, then argument fragments, then finish_reason tool_calls', async () => {
    const res = await postJson(`${stack.url}/v1/chat/completions`, {
      model: 'anth',
      stream: true,
      messages: [{ role: 'user', content: 'Oslo' }],
      tools: [
        {
          type: 'function',
          function: { name: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
        },
      ],
    });
    const frames = parseSse(await res.text())
      .filter((e) => e.data !== '[DONE]')
      .map(
        (e) => JSON.parse(e.data) as { choices: { delta: Record<string, unknown>; finish_reason: string | null }[] },
      );
    const toolFrames = frames
      .filter((f) => f.choices[0]?.delta.tool_calls !== undefined)
      .map((f) => (f.choices[0].delta.tool_calls as unknown[])[0]);
    expect(toolFrames[0]).toEqual({
      index: 0,
      id: expect.stringMatching(/^toolu_/),
      type: 'function',
      function: { name: 'weather', arguments: '' },
    });
    for (const f of toolFrames.slice(1)) expect(Object.keys(f as object).sort()).toEqual(['function', 'index']);
    expect(
      toolFrames
        .slice(1)
        .map((f) => (f as { function: { arguments: string } }).function.arguments)
        .join(''),
    ).toBe('{"city":"Oslo"}');
    expect(frames.at(-1)!.choices[0].finish_reason).toBe('tool_calls');
  });
});
