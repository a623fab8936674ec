// The look: a representative chat at desktop and mobile widths, light and dark, saved as screenshots and checked by
// axe.
/// <reference lib="dom" />
/// <reference lib="dom.iterable" />

import { mkdirSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ARTIFACTS, ROOT, openPage, sendAndWait, signIn, useBrowserSuite, type Stack } from './harness.js';

let stack: Stack;
let browser: Browser;
let context: BrowserContext;
let page: Page;

const ANSWER = [
  'Here is a small **TypeScript** helper that retries a call with exponential back-off:',
  '',
  '```ts',
  'export async function retry<T>(call: () => Promise<T>, attempts = 3): Promise<T> {',
  '  for (let i = 0; ; i++) {',
  '    try {',
  '      return await call();',
  '    } catch (error) {',
  '      if (i + 1 >= attempts) throw error; // give up',
  '      await new Promise((r) => setTimeout(r, 2 ** i * 100));',
  '    }',
  '  }',
  '}',
  '```',
  '',
  'A few notes:',
  '',
  '1. Only retry **idempotent** calls.',
  '2. Cap the delay, and add jitter in production.',
  '',
  '| Attempt | Delay |',
  '| ------- | ----- |',
  '| 1       | 100 ms |',
  '| 2       | 200 ms |',
].join('\n');

/** Answers the next message with `ANSWER`, streamed in small pieces like a model would. */
async function fakeAnswer(target: Page): Promise<void> {
  await target.route('**/v1/sessions/*/messages', async (route) => {
    const content = (JSON.parse(route.request().postData() ?? '{}') as { content: string }).content;
    const now = new Date().toISOString();
    const id = `msg_a${Date.now()}`;
    const frames = [
      [
        'start',
        {
          messageId: id,
          userMessage: { id: `msg_u${Date.now()}`, role: 'user', content, createdAt: now },
          model: 'gpt-4o',
          protected: {},
        },
      ],
      ...ANSWER.match(/[\s\S]{1,16}/g)!.map((text) => ['delta', { text }]),
      ['done', { message: { id, role: 'assistant', content: ANSWER, createdAt: now, model: 'big' } }],
    ];
    await route.fulfill({
      status: 200,
      contentType: 'text/event-stream',
      body: frames.map(([e, d]) => `event: ${e}\ndata: ${JSON.stringify(d)}\n\n`).join(''),
    });
  });
}

async function seriousAxeViolations(target: Page): Promise<{ id: string; impact: string }[]> {
  await target.evaluate(readFileSync(`${ROOT}node_modules/axe-core/axe.min.js`, 'utf8'));
  const violations = await target.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: { run(ctx: Document, opts: object): Promise<{ violations: { id: string; impact: string }[] }> };
      }
    ).axe;
    return (await axe.run(document, { resultTypes: ['violations'] })).violations.map((v) => ({
      id: v.id,
      impact: v.impact,
    }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

beforeAll(() => mkdirSync(ARTIFACTS, { recursive: true }));
useBrowserSuite((state) => ({ stack, browser, context, page } = state));

const SIZES = { desktop: { width: 1280, height: 860 }, mobile: { width: 390, height: 844 } } as const;

describe('the look, saved as screenshots', () => {
  for (const size of ['desktop', 'mobile'] as const) {
    for (const scheme of ['light', 'dark'] as const) {
      it(`${size}, ${scheme}: a chat with a system prompt, a code answer and a list of chats`, async () => {
        await context.close();
        const mobile = size === 'mobile';
        ({ context, page } = await openPage(browser, stack.url, {
          viewport: SIZES[size],
          colorScheme: scheme,
          isMobile: mobile,
          hasTouch: mobile,
        }));
        for (const title of ['Quarterly report outline', 'Regex for UK postcodes', 'Dinner ideas for six'])
          await stack.api('POST', '/v1/sessions', { title });
        await signIn(page, stack);
        await page.getByText('System prompt (optional)').click();
        await page
          .getByLabel(/Instructions for the whole chat/)
          .fill('You are a senior TypeScript reviewer. Be concise.');
        await sendAndWait(page, 'How do I retry a flaky network call?');
        await fakeAnswer(page);
        await page.getByLabel('Model', { exact: true }).selectOption('big');
        await sendAndWait(page, 'Show me a helper with back-off, in TypeScript please.');
        await page.locator('.msg.assistant code.hljs').waitFor();
        expect(await page.locator('.code-head').first().textContent()).toContain('TypeScript');
        expect(await seriousAxeViolations(page)).toEqual([]);
        if (mobile)
          expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
            SIZES.mobile.width,
          );
        await page.screenshot({ path: `${ARTIFACTS}/look-${size}-${scheme}.png` });
        if (mobile) {
          await page.getByRole('button', { name: 'Chats' }).click();
          await page.getByRole('button', { name: 'New chat' }).waitFor();
          await page.screenshot({ path: `${ARTIFACTS}/look-${size}-${scheme}-chats.png` });
        } else {
          await page.getByRole('button', { name: 'New chat' }).click();
          await page.getByText('What can I help with?').waitFor();
          await page.screenshot({ path: `${ARTIFACTS}/look-${size}-${scheme}-new-chat.png` });
        }
      });
    }
  }
});
