// Issue 14 point 2: logprobs and top_logprobs reach an OpenAI-format target and come back, plain and streamed.

import { describe, expect, it } from 'vitest';
import { chatBody, modelRequests, parseSse, postJson } from './harness.js';
import { completionsUrl, useStackPerTest } from './helpers.js';

const stackWith = useStackPerTest();

interface TokenLogprob {
  token: string;
  logprob: number;
  bytes: number[] | null;
  top_logprobs: { token: string; logprob: number }[];
}

describe('logprobs', () => {
  it('a plain answer carries one log probability per token, with the asked-for alternatives', async () => {
    const s = await stackWith({});
    const res = await postJson(completionsUrl(s), chatBody('solo', 'tell me', { logprobs: true, top_logprobs: 2 }));
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      choices: { message: { content: string }; logprobs: { content: TokenLogprob[] } | null }[];
    };
    const [choice] = body.choices;
    const content = choice.logprobs?.content ?? [];
    expect(content.map((t) => t.token).join('')).toBe(choice.message.content);
    expect(
      content.every((t) => t.logprob < 0 && t.top_logprobs.length === 2 && t.top_logprobs[0].token === t.token),
    ).toBe(true);
    const sent = modelRequests(s.mock)[0].body as { logprobs?: boolean; top_logprobs?: number };
    expect([sent.logprobs, sent.top_logprobs]).toEqual([true, 2]);
  });

  it('a streamed answer carries them chunk by chunk', async () => {
    const s = await stackWith({});
    const res = await postJson(
      completionsUrl(s),
      chatBody('solo', 'tell me', { stream: true, logprobs: true, top_logprobs: 1 }),
    );
    expect(res.status).toBe(200);
    let text = '';
    const tokens: string[] = [];
    for (const event of parseSse(await res.text())) {
      if (event.data === '[DONE]') continue;
      const chunk = JSON.parse(event.data) as {
        choices: { delta: { content?: string }; logprobs: { content: TokenLogprob[] } | null }[];
      };
      const choice = chunk.choices[0];
      if (!choice) continue;
      text += choice.delta.content ?? '';
      for (const t of choice.logprobs?.content ?? []) {
        expect(t.top_logprobs).toHaveLength(1);
        tokens.push(t.token);
      }
    }
    expect(text.length).toBeGreaterThan(0);
    expect(tokens.join('')).toBe(text);
  });

  it('without logprobs asked, answers carry none', async () => {
    const s = await stackWith({});
    const body = (await (await postJson(completionsUrl(s), chatBody('solo'))).json()) as {
      choices: { logprobs: unknown }[];
    };
    expect(body.choices[0].logprobs).toBeNull();
  });
});
