// Browser tests of every error state: plain words, a retry, and the wait time of rate limits.
/// <reference lib="dom" />
/// <reference lib="dom.iterable" />

import { describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { openPage, sendAndWait, signIn, startStack, useBrowserSuite, type PageWatch, type Stack } from './harness.js';

let stack: Stack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let watch: PageWatch;

const alert = () => page.locator('.error-banner');

async function send(text: string): Promise<void> {
  await page.getByLabel('Message', { exact: true }).fill(text);
  await page.getByLabel('Message', { exact: true }).press('Enter');
}

async function storedMessages(): Promise<{ role: string; content: string }[]> {
  const id = await page.evaluate(() => (JSON.parse(sessionStorage.getItem('parley.chats') ?? '[]') as { id: string }[])[0].id);
  return (await stack.api<{ messages: { role: string; content: string }[] }>('GET', `/v1/sessions/${id}`)).body.messages;
}

useBrowserSuite((state) => ({ stack, browser, context, page, watch } = state), { signIn: true });

describe('error states', () => {
  it('rate limited by Parley (429): says when to retry, with the wait the server gave', async () => {
    const limited = await startStack({ requestsPerMinute: 4 });
    await context.close();
    ({ context, page, watch } = await openPage(browser, limited.url));
    try {
      await signIn(page, limited);
      await sendAndWait(page, 'warm up');
      const refused = page.waitForResponse((r) => r.status() === 429);
      await send('too fast');
      const wait = Number((await refused).headers()['retry-after']);
      expect(wait).toBeGreaterThan(0);
      await expect(alert().locator('.error-title').textContent()).resolves.toBe(`Too many requests. You can retry in ${wait} second${wait === 1 ? '' : 's'}.`);
      const retry = alert().getByRole('button', { name: /^Retry/ });
      expect(await retry.textContent()).toMatch(/^Retry in \d+ s$/);
      expect(await retry.isDisabled()).toBe(true);
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
        body: JSON.stringify({ error: { message: 'Rate limit reached.', type: 'rate_limit_error', code: 'rate_limited', param: null } }),
      });
    });
    await send('too fast');
    await expect(alert().locator('.error-title').textContent()).resolves.toBe('Too many requests. You can retry in 1 second.');
    expect(await alert().getByRole('button', { name: 'Retry in 1 s' }).isDisabled()).toBe(true);
    await alert().getByRole('button', { name: 'Retry', exact: true }).click({ timeout: 3000 });
    await page.locator('.msg.assistant .md').filter({ hasText: 'Mock reply: too fast' }).waitFor();
    await page.locator('.msg.streaming').waitFor({ state: 'detached' });
    expect((await storedMessages()).map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(await page.locator('.msg').count()).toBe(2);
  });

  it('provider busy (upstream 429 → 503 with Retry-After): says the provider is busy and when to retry', async () => {
    stack.mock.setScenario({ failFirst: 1, failStatus: 429, retryAfterSeconds: 3 });
    await send('busy provider');
    await expect(alert().locator('.error-title').textContent()).resolves.toBe('The AI provider is busy. You can retry in 3 seconds.');
    expect(await alert().getByRole('button', { name: /^Retry in/ }).isDisabled()).toBe(true);
  });

  it('provider failure before the answer (502): plain words, and Retry does not duplicate the stored message', async () => {
    stack.mock.setScenario({ failFirst: 1, failStatus: 500 });
    await send('fails once');
    await expect(alert().locator('.error-title').textContent()).resolves.toBe('The AI provider failed to answer. Retry in a moment.');
    await alert().getByRole('button', { name: 'Retry', exact: true }).click();
    await page.locator('.msg.assistant .md').filter({ hasText: 'Mock reply: fails once' }).waitFor();
    await page.locator('.msg.streaming').waitFor({ state: 'detached' });
    expect((await storedMessages()).map((m) => m.content.slice(0, 22))).toEqual(['fails once', 'Mock reply: fails once']);
    expect(await page.locator('.msg').count()).toBe(2);
  });

  it('answer cut off mid-stream: keeps the partial answer marked incomplete, offers a retry', async () => {
    stack.mock.setScenario({ tokens: 30, resetAfterTokens: 4 });
    await send('cut me off');
    await alert().waitFor();
    expect(await alert().locator('.error-title').textContent()).toMatch(/cut off|failed to answer/);
    await expect(page.locator('.msg.assistant.incomplete .note').textContent()).resolves.toBe('This answer is incomplete.');
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
    const id = await page.evaluate(() => (JSON.parse(sessionStorage.getItem('parley.chats') ?? '[]') as { id: string }[])[0].id);
    expect((await stack.api('DELETE', `/v1/sessions/${id}`)).status).toBe(204);
    await send('are you there');
    await expect(alert().locator('.error-title').textContent()).resolves.toBe('This chat has expired or was deleted; its messages are gone.');
    await page.getByText('No chats yet.').waitFor();
    await alert().getByRole('button', { name: 'Start a new chat' }).click();
    await sendAndWait(page, 'fresh start');
    expect(await page.locator('.chats li').count()).toBe(1);
  });

  it('network failure: says Parley could not be reached', async () => {
    await page.route('**/v1/sessions/*/messages', (route) => route.abort('connectionrefused'));
    await send('offline');
    await expect(alert().locator('.error-title').textContent()).resolves.toBe('Could not reach Parley. Check your connection, then retry.');
    await page.unroute('**/v1/sessions/*/messages');
    await alert().getByRole('button', { name: 'Retry', exact: true }).click();
    await page.locator('.msg.assistant .md').filter({ hasText: 'Mock reply: offline' }).waitFor();
  });

  it('revoked key (401): signs out and says so', async () => {
    const issued = await stack.api<{ key: { id: string }; secret: string }>('POST', '/v1/admin/keys', { name: 'to revoke', role: 'user' }, stack.adminKey);
    await context.close();
    ({ context, page, watch } = await openPage(browser, stack.url));
    await signIn(page, { url: stack.url, apiKey: issued.body.secret });
    expect((await stack.api('POST', `/v1/admin/keys/${issued.body.key.id}/revoke`, undefined, stack.adminKey)).status).toBe(200);
    await send('still allowed?');
    await expect(page.getByRole('alert').textContent()).resolves.toBe('Your key is no longer accepted. Sign in again.');
    await page.getByLabel('API key').waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('parley.apiKey'))).toBeNull();
  });
});
