// Integration: GET /v1/models, health probes, /openapi.json, demo mode, and what the request log line carries.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ajv } from 'ajv';
import {
  KEYS,
  chatBody,
  chunkText,
  modelRequests,
  postJson,
  readSse,
  standardYaml,
  startStack,
  type Stack,
} from './harness.js';
import { expectEnvelope } from './helpers.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ yaml: standardYaml(), env: { ...KEYS } });
});
afterAll(async () => stack?.close());

describe('models and probes', () => {
  it('lists the configured model aliases in OpenAI list format', async () => {
    const res = await fetch(`${stack.url}/v1/models`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      object: string;
      data: { id: string; object: string; owned_by: string; created: number }[];
    };
    expect(body.object).toBe('list');
    expect(body.data.map((m) => m.id)).toEqual(['chat', 'solo', 'anth']);
    for (const m of body.data) {
      expect(m.object).toBe('model');
      expect(Number.isInteger(m.created)).toBe(true);
    }
    const one = await fetch(`${stack.url}/v1/models/solo`);
    expect(((await one.json()) as { id: string }).id).toBe('solo');
    await expectEnvelope(await fetch(`${stack.url}/v1/models/none`), 404);
  });

  it('serves /healthz and /readyz', async () => {
    const health = await fetch(`${stack.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });
    const ready = await fetch(`${stack.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready' });
  });
});

describe('/openapi.json', () => {
  type Operation = {
    requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
    responses: Record<string, unknown>;
    parameters?: unknown[];
  };
  let doc: {
    openapi: string;
    info: { title: string; version: string };
    paths: Record<string, Record<string, Operation>>;
  } & Record<string, unknown>;

  beforeAll(async () => {
    const res = await fetch(`${stack.url}/openapi.json`);
    expect(res.status).toBe(200);
    doc = (await res.json()) as typeof doc;
  });

  it('is an OpenAPI 3 document listing every route', () => {
    expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
    expect(doc.info.title).toBeTruthy();
    expect(doc.info.version).toBeTruthy();
    const expected: [string, string][] = [
      ['/v1/chat/completions', 'post'],
      ['/v1/messages', 'post'],
      ['/v1/messages/count_tokens', 'post'],
      ['/v1/embeddings', 'post'],
      ['/v1/models', 'get'],
      ['/v1/models/{model}', 'get'],
      ['/v1/sessions', 'post'],
      ['/v1/sessions', 'get'],
      ['/v1/sessions/{id}', 'get'],
      ['/v1/sessions/{id}', 'patch'],
      ['/v1/sessions/{id}', 'delete'],
      ['/v1/sessions/{id}/messages', 'post'],
      ['/v1/sessions/{id}/messages/{messageId}/feedback', 'post'],
      ['/healthz', 'get'],
      ['/readyz', 'get'],
    ];
    for (const [path, method] of expected) {
      expect(doc.paths[path]?.[method], `${method.toUpperCase()} ${path}`).toBeDefined();
      expect(Object.keys(doc.paths[path][method].responses).length).toBeGreaterThan(0);
    }
  });

  it('carries the request schemas that validate requests, and every $ref resolves', () => {
    const ajv = new Ajv({ strict: false, validateFormats: false });
    const resolve = (ref: string): unknown =>
      ref
        .replace(/^#\//, '')
        .split('/')
        .reduce<unknown>(
          (node, part) => (node as Record<string, unknown> | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')],
          doc,
        );
    const schemaOf = (path: string, method = 'post'): Record<string, unknown> => {
      const schema = doc.paths[path][method].requestBody?.content['application/json']?.schema;
      expect(schema, `${path} request body`).toBeDefined();
      return schema!;
    };
    const chat = schemaOf('/v1/chat/completions');
    expect(chat.required).toEqual(expect.arrayContaining(['model', 'messages']));
    const validateChat = ajv.compile(chat);
    expect(validateChat(chatBody())).toBe(true);
    expect(validateChat({ model: 'chat' })).toBe(false);
    expect(validateChat(chatBody('chat', 'hi', { temperature: 5 }))).toBe(false);
    const send = schemaOf('/v1/sessions/{id}/messages');
    expect(ajv.compile(send)({ content: 'hi', stream: true })).toBe(true);
    // Empty text is valid with images (an image alone is a message); the service refuses it without any.
    expect(ajv.compile(send)({ content: '', images: [{ url: 'data:image/png;base64,iVBORw0KGgo=' }] })).toBe(true);
    expect(ajv.compile(send)({ stream: true })).toBe(false);
    expect(ajv.compile(send)({ content: 'hi', images: [{ href: 'x' }] })).toBe(false);
    schemaOf('/v1/sessions');
    schemaOf('/v1/sessions/{id}/messages/{messageId}/feedback');

    const refs: string[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        for (const [key, value] of Object.entries(node)) {
          if (key === '$ref' && typeof value === 'string') refs.push(value);
          else walk(value);
        }
      }
    };
    walk(doc);
    for (const ref of refs) {
      expect(ref.startsWith('#/'), ref).toBe(true);
      expect(resolve(ref), ref).toBeDefined();
    }
  });
});
describe('demo mode', () => {
  it('serves the built-in demo provider when nothing is configured', async () => {
    const demo = await startStack({ yaml: () => 'server: { host: 127.0.0.1, port: 0 }\nauth: { anonymous: true }\n' });
    try {
      const models = (await (await fetch(`${demo.url}/v1/models`)).json()) as { data: { id: string }[] };
      expect(models.data.map((m) => m.id)).toEqual(['demo']);
      expect(await (await fetch(`${demo.url}/readyz`)).json()).toMatchObject({ status: 'ready', demo: true });
      const res = await postJson(
        `${demo.url}/v1/chat/completions`,
        chatBody('demo', 'hello demo', { stream: true, stream_options: { include_usage: true } }),
      );
      const { events } = await readSse(res);
      expect(events.at(-1)!.data).toBe('[DONE]');
      const text = chunkText(events);
      expect(text.length).toBeGreaterThan(20);
      expect(text).toMatch(/config/i);
      expect(events.filter((e) => e.data !== '[DONE]').length).toBeGreaterThan(4);
      const usage = JSON.parse(events.at(-2)!.data) as { usage: { completion_tokens: number } };
      expect(usage.usage.completion_tokens).toBeGreaterThan(0);
      expect(modelRequests(demo.mock)).toHaveLength(0);
    } finally {
      await demo.close();
    }
  });
});

describe('logging', () => {
  it('writes the request id on the request log line and never the conversation content', async () => {
    const logged = await startStack({ yaml: standardYaml(), env: { ...KEYS }, captureLogs: true });
    try {
      const secretText = 'my-very-private-words-4711';
      const url = `${logged.url}/v1/chat/completions`;
      await (await postJson(url, chatBody('chat', secretText), { 'x-request-id': 'log-check-1' })).json();
      await (
        await postJson(url, chatBody('chat', secretText, { stream: true }), { 'x-request-id': 'log-check-2' })
      ).text();
      const lines = logged.logs.map((l) => JSON.stringify(l));
      for (const id of ['log-check-1', 'log-check-2']) {
        const line = logged.logs.find((l) => l.msg === 'request' && l.reqId === id);
        expect(line, `request log line for ${id}`).toBeDefined();
        expect(line).toMatchObject({ status: 200, provider: 'main' });
      }
      expect(lines.filter((l) => l.includes('my-very-private-words'))).toEqual([]);
      expect(lines.filter((l) => l.includes(KEYS.MAIN_KEY_A))).toEqual([]);
    } finally {
      await logged.close();
    }
  });
});
