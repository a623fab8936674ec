// Browser tests of every error state: plain words, a retry, and the wait time of rate limits.
/// <reference lib="dom" />
/// <reference lib="dom.iterable" />

import { describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { openChatId, openPage, sendAndWait, signIn, startStack, useBrowserSuite, type Stack } from './harness.js';

let stack: Stack;
let browser: Browser;
let context: BrowserContext;
let page: Page;

const alert = () => page.locator('.error-banner');

/** What an end user must never read: provider ids, upstream models, keys, circuits, raw server messages. */
const INTERNALS = /mock|openai|anthropic|gpt|claude|circuit|breaker|key|upstream|deployment|\b5\d\d\b/i;

/** The banner's whole text, checked to carry no routing detail and (with a wait) no second countdown. */
async function bannerText(): Promise<string> {
  const text = (await alert().textContent()) ?? '';
  expect(text).not.toMatch(INTERNALS);
  expect(await alert().locator('.error-detail').count()).toBe(0);
  return text;
}

async function send(text: string): Promise<void> {
  await page.getByLabel('Message', { exact: true }).fill(text);
  await page.getByLabel('Message', { exact: true }).press('Enter');
}

async function storedMessages(): Promise<{ role: string; content: string }[]> {
  const id = await openChatId(page);
  return (await stack.api<{ messages: { role: string; content: string }[] }>('GET', `/v1/sessions/${id}`)).body
    .messages;
}

useBrowserSuite((state) => ({ stack, browser, context, page } = state), { signIn: true });

describe('error states', () => {
  it('rate limited by Parley (429): says when to retry, with the wait the server gave', async () => {
    const limited = await startStack({ requestsPerMinute: 4 });
    await context.close();
    ({ context, page } = await openPage(browser, limited.url));
    try {
      await signIn(page, limited);
      await sendAndWait(page, 'warm up');
      const refused = page.waitForResponse((r) => r.status() === 429);
      await send('too fast');
      const wait = Number((await refused).headers()['retry-after']);
      expect(wait).toBeGreaterThan(0);
      await expect(alert().locator('.error-title').textContent()).resolves.toBe(
        'Too many requests. You can retry when the countdown ends.',
      );
      const retry = alert().getByRole('button', { name: /^Retry/ });
      // One countdown, starting at the server's Retry-After (a second may pass before it is read).
      const shown = Number(/^Retry in (\d+) s$/.exec((await retry.textContent()) ?? '')?.[1]);
      expect(shown).toBeLessThanOrEqual(wait);
      expect(shown).toBeGreaterThanOrEqual(wait - 1);
      expect(await retry.isDisabled()).toBe(true);
      expect((await bannerText()).match(/\d+/g)).toEqual([String(shown)]);
    } finally {
      await context.close();
      await limited.close();
    }
  });

  it('rate limited: the retry button counts down, then retrying sends the message once', async () => {
    let refusals = 1;
    await page.route('**/v1/sessions/*/messages', async (route) => {
      if (refusals-- <= 0) return route.fallback();
      await route.fulfill({
        status: 429,
        headers: { 'retry-after': '1', 'content-type': 'application/json' },
        body: JSON.stringify({
          error: { message: 'Rate limit reached.', type: 'rate_limit_error', code: 'rate_limited', param: null },
        }),
      });
    });
    await send('too fast');
    await expect(alert().locator('.error-title').textContent()).resolves.toBe(
      'Too many requests. You can retry when the countdown ends.',
    );
    expect(await alert().getByRole('button', { name: 'Retry in 1 s' }).isDisabled()).toBe(true);
    expect((await bannerText()).match(/\d+/g)).toEqual(['1']);
    await alert().getByRole('button', { name: 'Retry', exact: true }).click({ timeout: 3000 });
    await page.locator('.msg.assistant .md').filter({ hasText: 'Mock reply: too fast' }).waitFor();
    await page.locator('.msg.streaming').waitFor({ state: 'detached' });
    expect((await storedMessages()).map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(await page.locator('.msg').count()).toBe(2);
  });

  it('provider busy (upstream 429 → 503 with Retry-After): says the model is busy; the one countdown starts at Retry-After', async () => {
    stack.mock.setScenario({ failFirst: 1, failStatus: 429, retryAfterSeconds: 3 });
    const refused = page.waitForResponse((r) => r.url().endsWith('/messages') && r.status() === 503);
    await send('busy provider');
    expect((await refused).headers()['retry-after']).toBe('3');
    await expect(alert().locator('.error-title').textContent()).resolves.toBe(
      'The AI model is busy right now. You can retry when the countdown ends.',
    );
    const retry = alert().getByRole('button', { name: /^Retry in/ });
    expect(await retry.isDisabled()).toBe(true);
    expect(await retry.textContent()).toMatch(/^Retry in [23] s$/);
    expect((await bannerText()).match(/\d+/g)).toHaveLength(1);
  });

  it('circuit open: no circuit, provider or key details reach the banner, and the countdown matches Retry-After', async () => {
    await page.route('**/v1/sessions/*/messages', (route) =>
      route.fulfill({
        status: 503,
        headers: { 'retry-after': '7', 'content-type': 'application/json' },
        body: JSON.stringify({
          error: {
            message: 'Circuit for openai is open (key main#0); retry in 7 s',
            type: 'api_error',
            code: 'circuit_open',
            param: null,
          },
        }),
      }),
    );
    await send('breaker');
    await expect(alert().locator('.error-title').textContent()).resolves.toBe(
      'The AI model is busy right now. You can retry when the countdown ends.',
    );
    expect(await alert().getByRole('button', { name: 'Retry in 7 s' }).isDisabled()).toBe(true);
    expect((await bannerText()).match(/\d+/g)).toEqual(['7']);
  });

  it('timeout (504): says the model took too long', async () => {
    await page.route('**/v1/sessions/*/messages', (route) =>
      route.fulfill({
        status: 504,
        contentType: 'application/json',
        body: JSON.stringify({
          error: {
            message: 'main (gpt-4o-mini) sent no first byte within 1000 ms',
            type: 'timeout_error',
            code: 'upstream_timeout',
            param: null,
          },
        }),
      }),
    );
    await send('slow');
    await expect(alert().locator('.error-title').textContent()).resolves.toBe(
      'The AI model took too long to answer. Retry.',
    );
    await bannerText();
    expect(await alert().getByRole('button', { name: 'Retry', exact: true }).isEnabled()).toBe(true);
  });

  it('provider failure before the answer (502): plain words, and Retry does not duplicate the stored message', async () => {
    stack.mock.setScenario({ failFirst: 1, failStatus: 500 });
    await send('fails once');
    await expect(alert().locator('.error-title').textContent()).resolves.toBe(
      'The AI model could not answer. Retry in a moment.',
    );
    await bannerText();
    await alert().getByRole('button', { name: 'Retry', exact: true }).click();
    await page.locator('.msg.assistant .md').filter({ hasText: 'Mock reply: fails once' }).waitFor();
    await page.locator('.msg.streaming').waitFor({ state: 'detached' });
    expect((await storedMessages()).map((m) => m.content.slice(0, 22))).toEqual([
      'fails once',
      'Mock reply: fails once',
    ]);
    expect(await page.locator('.msg').count()).toBe(2);
  });

  it('answer cut off mid-stream: keeps the partial answer marked incomplete, offers a retry', async () => {
    stack.mock.setScenario({ tokens: 30, resetAfterTokens: 4 });
    await send('cut me off');
    await alert().waitFor();
    expect(await alert().locator('.error-title').textContent()).toMatch(
      /^(The answer was cut off\. Retry to get a full answer\.|The AI model could not answer\. Retry in a moment\.)$/,
    );
    await bannerText();
    await expect(page.locator('.msg.assistant.incomplete .note').textContent()).resolves.toBe(
      'This answer is incomplete.',
    );
    stack.mock.resetScenario();
    await alert().getByRole('button', { name: 'Retry', exact: true }).click();
    await page.locator('.msg.assistant:not(.incomplete) .md').filter({ hasText: 'Mock reply: cut me off' }).waitFor();
    await page.locator('.msg.streaming').waitFor({ state: 'detached' });
    expect((await storedMessages()).map((m) => m.role)).toEqual(['user', 'assistant']);
  });

  it('expired chat (404): says its messages are gone, drops it from the list, starts a new chat', async () => {
    await sendAndWait(page, 'soon gone');
    const messages = await storedMessages();
    expect(messages).toHaveLength(2);
    const id = await openChatId(page);
    expect((await stack.api('DELETE', `/v1/sessions/${id}`)).status).toBe(204);
    await send('are you there');
    await expect(alert().locator('.error-title').textContent()).resolves.toBe(
      'This chat has expired or was deleted; its messages are gone.',
    );
    await page.getByText('No chats yet.').waitFor();
    await alert().getByRole('button', { name: 'Start a new chat' }).click();
    await sendAndWait(page, 'fresh start');
    expect(await page.locator('.chats li').count()).toBe(1);
  });

  it('network failure: says Parley could not be reached', async () => {
    await page.route('**/v1/sessions/*/messages', (route) => route.abort('connectionrefused'));
    await send('offline');
    await expect(alert().locator('.error-title').textContent()).resolves.toBe(
      'Could not reach Parley. Check your connection, then retry.',
    );
    await bannerText();
    await page.unroute('**/v1/sessions/*/messages');
    await alert().getByRole('button', { name: 'Retry', exact: true }).click();
    await page.locator('.msg.assistant .md').filter({ hasText: 'Mock reply: offline' }).waitFor();
  });

  it('revoked key (401): signs out and says so', async () => {
    const issued = await stack.api<{ key: { id: string }; secret: string }>(
      'POST',
      '/v1/admin/keys',
      { name: 'to revoke', role: 'user' },
      stack.adminKey,
    );
    await context.close();
    ({ context, page } = await openPage(browser, stack.url));
    await signIn(page, { url: stack.url, apiKey: issued.body.secret });
    expect(
      (await stack.api('POST', `/v1/admin/keys/${issued.body.key.id}/revoke`, undefined, stack.adminKey)).status,
    ).toBe(200);
    await send('still allowed?');
    await expect(page.getByRole('alert').textContent()).resolves.toBe('Your key is no longer accepted. Sign in again.');
    await page.getByLabel('API key').waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('parley.apiKey'))).toBeNull();
  });
});
