// Images and reasoning in the session API against real Redis with sealing: the shared limits refused by name (4xx),
// image parts reaching the model, the vision capability checked before anything is stored, images sealed at rest
// and gone with the session, and reasoning streamed and stored with the answer.

import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MAX_IMAGE_BYTES, MAX_IMAGES_PER_MESSAGE } from '../../src/domain/image-limits.js';
import { cleanPrefix, dumpUnder, randomPrefix, REDIS_URL } from '../support/redis.js';
import {
  KEYS,
  modelRequests,
  postJson,
  readSse,
  standardYaml,
  startStack,
  type Stack,
  redisStateEnv,
  redisStateYaml,
} from './harness.js';

const prefix = randomPrefix();
let stack: Stack;

/** A PNG-signed image whose bytes carry an ASCII marker (so a copy in clear would show) and `size` bytes in all. */
function png(marker: string, size = 2048): string {
  const bytes = Buffer.alloc(size, 0x41 + (marker.length % 20));
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(bytes, 0);
  Buffer.from(`tEXtComment\0${marker}`, 'latin1').copy(bytes, 12);
  return `data:image/png;base64,${bytes.toString('base64')}`;
}

const dump = (): Promise<string> => dumpUnder(REDIS_URL, prefix, 'latin1');

async function newSession(model = 'seer'): Promise<string> {
  const created = await postJson(`${stack.url}/v1/sessions`, { model });
  expect(created.status).toBe(201);
  return ((await created.json()) as { id: string }).id;
}

async function send(id: string, body: Record<string, unknown>): Promise<{ status: number; body: Record<string, any> }> {
  const response = await postJson(`${stack.url}/v1/sessions/${id}/messages`, body);
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

beforeAll(async () => {
  stack = await startStack({
    yaml: standardYaml({
      // Appended to the models list of the standard configuration, then the shared state.
      extra: `  - name: seer
    capabilities: [vision, reasoning]
    targets: [{ provider: main, model: gpt-4o-mini }]
  - name: text-only
    capabilities: [tools]
    targets: [{ provider: main, model: gpt-4o-mini }]
sessions: { idleTtl: 10m }
${redisStateYaml(prefix)}`,
    }),
    env: { ...KEYS, ...redisStateEnv(REDIS_URL, 7) },
  });
});
afterAll(async () => {
  await stack?.close();
  await cleanPrefix(REDIS_URL, prefix);
});
beforeEach(() => stack.mock.resetScenario());

describe('session API images', () => {
  it('sends image parts to the model, keeps them in the session (sealed in Redis), and purges them with it', async () => {
    const id = await newSession();
    const image = png('MARKER-QUOKKA-7731', 4096);
    const before = modelRequests(stack.mock).length;
    const sent = await send(id, { content: 'What is in this picture?', images: [{ url: image }] });
    expect(sent.status).toBe(200);
    expect(sent.body.userMessage.images).toEqual([{ url: image }]);
    expect(sent.body.message.content).toContain('[images: 1]');

    const upstream = modelRequests(stack.mock)[before].body as { messages: { role: string; content: unknown }[] };
    expect(upstream.messages.at(-1)).toEqual({
      role: 'user',
      content: [
        { type: 'text', text: 'What is in this picture?' },
        { type: 'image_url', image_url: { url: image } },
      ],
    });

    const read = (await (await fetch(`${stack.url}/v1/sessions/${id}`)).json()) as { messages: { images?: unknown }[] };
    expect(read.messages[0].images).toEqual([{ url: image }]);

    // The next turn sends the image again with the history.
    expect((await send(id, { content: 'And now?' })).status).toBe(200);
    const next = modelRequests(stack.mock).at(-1)!.body as { messages: { content: unknown }[] };
    expect(JSON.stringify(next.messages)).toContain(image);

    const text = await dump();
    const base64 = image.slice('data:image/png;base64,'.length);
    expect(text).toContain(`${prefix}ses:${id}`);
    expect(text).not.toContain('MARKER-QUOKKA-7731'); // the decoded bytes
    expect(text).not.toContain(base64.slice(40, 120)); // the base64
    expect(text).not.toContain('What is in this picture?');
    // The message list (and its images) expires with the session's idle time.
    const raw = new Redis(REDIS_URL);
    try {
      const ttl = await raw.pttl(`${prefix}ses:${id}:msgs`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(10 * 60_000);
    } finally {
      raw.disconnect();
    }

    expect((await fetch(`${stack.url}/v1/sessions/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect(await dump()).not.toContain(id);
  });

  it('streams a start event without the image data (imageCount instead)', async () => {
    const id = await newSession();
    const response = await postJson(`${stack.url}/v1/sessions/${id}/messages`, {
      content: '',
      images: [{ url: png('A') }, { url: png('B') }],
      stream: true,
    });
    expect(response.status).toBe(200);
    const { events } = await readSse(response);
    const start = JSON.parse(events.find((e) => e.event === 'start')!.data) as { userMessage: Record<string, unknown> };
    expect(start.userMessage.imageCount).toBe(2);
    expect(start.userMessage.images).toBeUndefined();
    expect(events.at(-1)?.event).toBe('done');
  });

  it.each([
    [
      'an unaccepted type',
      { url: 'data:image/bmp;base64,Qk0=' },
      415,
      /type "image\/bmp", which is not accepted\. Send a PNG, JPEG, GIF or WebP image/,
    ],
    // Names every object inherits are no image type (they once gave a 500, or were stored and broke the chat).
    ['"__proto__" as the type', { url: 'data:__proto__;base64,AAAA' }, 415, /type "__proto__", which is not accepted/],
    [
      '"constructor" as the type',
      { url: 'data:constructor;base64,AAAA' },
      415,
      /type "constructor", which is not accepted/,
    ],
    [
      'bytes that are not the declared type',
      { url: png('x').replace('image/png', 'image/jpeg') },
      400,
      /says it is JPEG but its bytes are not a JPEG image/,
    ],
    ['malformed base64', { url: 'data:image/png;base64,iVBOR!!w0KG' }, 400, /does not hold valid base64/],
    [
      'a link instead of the image',
      { url: 'https://example.com/cat.png' },
      400,
      /must be a base64 data URL.*Links are not fetched/,
    ],
    [
      'an image over the size limit',
      { url: png('big', MAX_IMAGE_BYTES + 1) },
      413,
      /is 3\.01 MB; images may be at most 3 MB\. Send a smaller or more compressed image\./,
    ],
  ])('refuses %s with a clear 4xx and stores nothing', async (_what, image, status, message) => {
    const id = await newSession();
    const sent = await send(id, { content: 'look', images: [image] });
    expect(sent.status).toBe(status);
    expect(sent.body.error.message).toMatch(message);
    expect(sent.body.error.param).toBe('images[0]');
    const read = (await (await fetch(`${stack.url}/v1/sessions/${id}`)).json()) as { messages: unknown[] };
    expect(read.messages).toEqual([]);
  });

  it('refuses too many images, an empty message, and a missing url', async () => {
    const id = await newSession();
    const many = Array.from({ length: MAX_IMAGES_PER_MESSAGE + 1 }, (_, i) => ({ url: png(`n${i}`) }));
    const tooMany = await send(id, { content: 'all of these', images: many });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.message).toBe(
      `A message may carry at most ${MAX_IMAGES_PER_MESSAGE} images; this one has ` +
        `${MAX_IMAGES_PER_MESSAGE + 1}. Send the others in another message.`,
    );
    const empty = await send(id, { content: '' });
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toBe('content is empty. Write a message, attach an image, or both.');
    const noUrl = await send(id, { content: 'x', images: [{}] });
    expect(noUrl.status).toBe(400);
    expect(noUrl.body.error.message).toMatch(/url/);
  });

  it('refuses images for a model without vision, and a history with images after a switch to one, before storing anything', async () => {
    const plain = await newSession('text-only');
    const refused = await send(plain, { content: 'see this', images: [{ url: png('v') }] });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toBe(
      'The model "text-only" does not accept images ("vision" is not in its capabilities). ' +
        'Remove the images, or switch the chat to a model with vision (GET /v1/models lists capabilities).',
    );

    const id = await newSession();
    expect((await send(id, { content: 'see this', images: [{ url: png('w') }] })).status).toBe(200);
    const patched = await fetch(`${stack.url}/v1/sessions/${id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'text-only' }),
    });
    expect(patched.status).toBe(200);
    const requests = modelRequests(stack.mock).length;
    const next = await send(id, { content: 'and this text?' });
    expect(next.status).toBe(400);
    expect(next.body.error.message).toMatch(
      /^This chat contains images, and the model "text-only" does not accept images/,
    );
    expect(modelRequests(stack.mock).length).toBe(requests);
    const read = (await (await fetch(`${stack.url}/v1/sessions/${id}`)).json()) as { messages: unknown[] };
    expect(read.messages).toHaveLength(2);
  });
});

describe('session API images with privacy.images: block', () => {
  it('refuses a message with images (422) before storing it, naming the policy', async () => {
    const blocked = await startStack({ yaml: standardYaml({ extra: 'privacy: { images: block }' }), env: { ...KEYS } });
    try {
      const created = await postJson(`${blocked.url}/v1/sessions`, { model: 'chat' });
      const { id } = (await created.json()) as { id: string };
      const sent = await postJson(`${blocked.url}/v1/sessions/${id}/messages`, {
        content: 'see',
        images: [{ url: png('p') }],
      });
      expect(sent.status).toBe(422);
      expect(((await sent.json()) as { error: { message: string } }).error.message).toMatch(
        /does not forward images \(privacy\.images is block\).* Send the message without images/,
      );
      expect(modelRequests(blocked.mock)).toEqual([]);
      // Counted and audited like a refused image on chat completions.
      expect(await (await fetch(`${blocked.url}/metrics`)).text()).toMatch(
        /parley_images_total\{model="chat",action="blocked"\} 1/,
      );
      const read = (await (await fetch(`${blocked.url}/v1/sessions/${id}`)).json()) as { messages: unknown[] };
      expect(read.messages).toEqual([]);
    } finally {
      await blocked.close();
    }
  });
});

describe('session API reasoning', () => {
  it('streams reasoning events, stores the reasoning with the answer, and never sends it back to the model', async () => {
    stack.mock.setScenario({ reasoningText: 'Weighing the aardvark option first.' });
    const id = await newSession();
    const response = await postJson(`${stack.url}/v1/sessions/${id}/messages`, {
      content: 'Which animal?',
      stream: true,
    });
    const { events } = await readSse(response);
    const reasoning = events
      .filter((e) => e.event === 'reasoning')
      .map((e) => (JSON.parse(e.data) as { text: string }).text)
      .join('');
    expect(reasoning).toBe('Weighing the aardvark option first.');
    expect(events.findIndex((e) => e.event === 'reasoning')).toBeLessThan(events.findIndex((e) => e.event === 'delta'));
    const done = JSON.parse(events.find((e) => e.event === 'done')!.data) as {
      message: { reasoning?: string; content: string };
    };
    expect(done.message.reasoning).toBe('Weighing the aardvark option first.');
    expect(done.message.content).not.toContain('aardvark');

    stack.mock.resetScenario();
    expect((await send(id, { content: 'Why?' })).status).toBe(200);
    expect(JSON.stringify(modelRequests(stack.mock).at(-1)!.body)).not.toContain('aardvark');
    expect(await dump()).not.toContain('aardvark');
  });
});
