// Browser tests of chatting: sign-in (key, login link), send, stream, stop, regenerate, edit, copy, feedback, forget.
/// <reference lib="dom" />
/// <reference lib="dom.iterable" />

import { describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { openChatId, sendAndWait, signIn, useBrowserSuite, type PageWatch, type Stack } from './harness.js';

let stack: Stack;
let context: BrowserContext;
let page: Page;
let watch: PageWatch;

const api = <T>(method: string, path: string) => stack.api<T>(method, path);

interface SessionBody {
  model: string;
  messages: { id: string; role: string; content: string; incomplete?: boolean; feedback?: { rating: string } }[];
}

async function currentSessionId(): Promise<string> {
  const id = await openChatId(page);
  if (!id) throw new Error('no chat is open');
  return id;
}

useBrowserSuite((state) => ({ stack, context, page, watch } = state));

describe('sign-in', () => {
  it('refuses a wrong key in plain words, accepts the right one, keeps it in sessionStorage only', async () => {
    await page.goto(stack.url);
    await page.getByLabel('API key').fill('prl_wrong');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('This key was not accepted');
    await page.getByLabel('API key').fill(stack.apiKey);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByLabel('Message', { exact: true }).waitFor();
    const storage = await page.evaluate(() => ({
      session: sessionStorage.getItem('parley.apiKey'),
      local: localStorage.length,
      cookie: document.cookie,
    }));
    expect(storage).toEqual({ session: stack.apiKey, local: 0, cookie: '' });
    await page.reload();
    await page.getByLabel('Message', { exact: true }).waitFor();
    expect(watch.foreignRequests).toEqual([]);
  });

  it('signs in with the one-time login link printed on first start and wipes it from the address bar', async () => {
    await page.goto(stack.loginUrl);
    await page.getByLabel('Message', { exact: true }).waitFor();
    expect(page.url()).toBe(`${stack.url}/`);
    const key = await page.evaluate(() => sessionStorage.getItem('parley.apiKey'));
    expect(key).toMatch(/^prl_/);
    expect(key).not.toBe(stack.apiKey);
    const second = await context.newPage();
    await second.goto(stack.loginUrl);
    await expect(second.getByRole('alert').textContent()).resolves.toContain('already used or has expired');
    expect(second.url()).toBe(`${stack.url}/`);
    await second.close();
  });
});

describe('chatting', () => {
  it('streams an answer token by token, lists the chat with its expiry and announces the answer', async () => {
    stack.mock.setScenario({ tokens: 14, tokenDelayMs: 25 });
    await signIn(page, stack);
    expect(await page.locator('#model option').allTextContents()).toEqual(['chat', 'big']);
    await page.evaluate(() => {
      const w = window as unknown as { __lengths: number[] };
      w.__lengths = [];
      new MutationObserver(() => {
        const el = document.querySelector('.msg.streaming .md');
        if (el) w.__lengths.push(el.textContent!.length);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await sendAndWait(page, 'hello streaming world');
    const lengths = await page.evaluate(() => (window as unknown as { __lengths: number[] }).__lengths);
    expect(new Set(lengths.filter((n) => n > 0)).size).toBeGreaterThan(5);
    const answer = await page.locator('.msg.assistant .md').last().textContent();
    expect(answer).toMatch(/^Mock reply: hello streaming world lorem/);
    await expect(page.locator('#answer-live').textContent()).resolves.toContain('Mock reply: hello streaming world');
    const entry = page.locator('.chats li');
    await expect(entry.textContent()).resolves.toMatch(/hello streaming world.*chat · expires/);
    await expect(page.getByText('Ephemeral:').count()).resolves.toBe(1);
  });

  it('stops with Escape; the partial answer is kept and marked incomplete on the server', async () => {
    stack.mock.setScenario({ tokens: 60, tokenDelayMs: 60 });
    await signIn(page, stack);
    await page.getByLabel('Message', { exact: true }).fill('please stop me');
    await page.getByLabel('Message', { exact: true }).press('Enter');
    await page.locator('.msg.streaming .md').filter({ hasText: 'please' }).waitFor();
    await page.keyboard.press('Escape');
    await page.getByText('Stopped before the end.').waitFor();
    await page.getByRole('button', { name: 'Send' }).waitFor();
    const id = await currentSessionId();
    let session = (await api<SessionBody>('GET', `/v1/sessions/${id}`)).body;
    for (let i = 0; i < 50 && session.messages.length < 2; i++)
      session = (await api<SessionBody>('GET', `/v1/sessions/${id}`)).body;
    expect(session.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(session.messages[1].incomplete).toBe(true);
    expect(session.messages[1].content.length).toBeLessThan(200);
  });

  it('leaving a chat while it streams stops the answer and keeps it out of the next chat', async () => {
    stack.mock.setScenario({ tokens: 60, tokenDelayMs: 50 });
    await signIn(page, stack);
    await page.getByLabel('Message', { exact: true }).fill('long answer please');
    await page.getByLabel('Message', { exact: true }).press('Enter');
    await page.locator('.msg.streaming .md').filter({ hasText: 'long' }).waitFor();
    const id = await currentSessionId();
    await page.getByRole('button', { name: 'New chat' }).click();
    let session = (await api<SessionBody>('GET', `/v1/sessions/${id}`)).body;
    for (let i = 0; i < 50 && session.messages.length < 2; i++)
      session = (await api<SessionBody>('GET', `/v1/sessions/${id}`)).body;
    expect(session.messages[1].incomplete).toBe(true);
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(resolve)));
    expect(await page.locator('.msg').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Send' }).count()).toBe(1);
    await page.locator('.chat-open').click();
    await page.locator('.msg.assistant.incomplete').waitFor();
  });

  it('regenerates the last answer and edits-and-resends the last message in place', async () => {
    await signIn(page, stack);
    await sendAndWait(page, 'first question');
    await sendAndWait(page, 'second question');
    await page.getByRole('button', { name: 'Regenerate' }).click();
    await page.locator('.msg.streaming').waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Regenerate' }).waitFor();
    const id = await currentSessionId();
    let session = (await api<SessionBody>('GET', `/v1/sessions/${id}`)).body;
    expect(session.messages.map((m) => m.content.slice(0, 30))).toEqual([
      'first question',
      expect.stringMatching(/^Mock reply: first/),
      'second question',
      expect.stringMatching(/^Mock reply: second/),
    ]);

    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel('Edit your message').fill('edited question');
    await page.getByLabel('Edit your message').press('Enter');
    await page.locator('.msg.assistant .md').filter({ hasText: 'Mock reply: edited question' }).waitFor();
    await page.locator('.msg.streaming').waitFor({ state: 'detached' });
    session = (await api<SessionBody>('GET', `/v1/sessions/${id}`)).body;
    expect(session.messages.map((m) => m.content.slice(0, 27))).toEqual([
      'first question',
      expect.stringMatching(/^Mock reply: first/),
      'edited question',
      'Mock reply: edited question',
    ]);
    expect(await page.locator('.msg').count()).toBe(4);
  });

  it('copies an answer and records thumbs up and down', async () => {
    await signIn(page, stack);
    await sendAndWait(page, 'rate me');
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByRole('button', { name: 'Copied' }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toMatch(/^Mock reply: rate me/);
    const id = await currentSessionId();
    await page.getByRole('button', { name: 'Good answer' }).click();
    await page.getByText('Thanks: marked as helpful.').waitFor({ state: 'attached' });
    let session = (await api<SessionBody>('GET', `/v1/sessions/${id}`)).body;
    expect(session.messages[1].feedback).toEqual({ rating: 'up' });
    await page.getByRole('button', { name: 'Bad answer' }).click();
    await page.getByLabel('Why was it bad? (optional)').selectOption('inaccurate');
    await page.getByText('Thanks: marked as not helpful.').waitFor({ state: 'attached' });
    session = (await api<SessionBody>('GET', `/v1/sessions/${id}`)).body;
    expect(session.messages[1].feedback).toEqual({ rating: 'down', reason: 'inaccurate' });
    expect(await page.getByRole('button', { name: 'Bad answer' }).getAttribute('aria-pressed')).toBe('true');
  });

  it('uses the picked model, reopens a chat from the list, and forgets it with DELETE', async () => {
    await signIn(page, stack);
    await page.getByLabel('Model', { exact: true }).selectOption('big');
    await sendAndWait(page, 'on the big model');
    const last = stack.mock.requests.filter((r) => r.path === '/v1/chat/completions').at(-1)!;
    expect((last.body as { model: string }).model).toBe('gpt-4o');
    const id = await currentSessionId();
    expect((await api<SessionBody>('GET', `/v1/sessions/${id}`)).body.model).toBe('big');

    await page.getByRole('button', { name: 'New chat' }).click();
    expect(await page.locator('.msg').count()).toBe(0);
    await page.locator('.chat-open').first().click();
    await page.locator('.msg.assistant').waitFor();
    expect(await page.locator('.msg').count()).toBe(2);

    await page.getByRole('button', { name: /^Forget chat/ }).click();
    await page.getByText('No chats yet.').waitFor();
    expect((await api('GET', `/v1/sessions/${id}`)).status).toBe(404);
    expect(await openChatId(page)).toBeNull();
  });

  it('shows how many personal data items were protected', async () => {
    await signIn(page, stack);
    await sendAndWait(page, 'mail me at jane.doe@example.com or call +44 20 7946 0958');
    await expect(page.locator('.msg.user .protected').textContent()).resolves.toContain('2 items protected');
    await page.getByRole('button', { name: 'New chat' }).click();
    await sendAndWait(page, 'nothing personal here');
    expect(await page.locator('.msg.user .protected').count()).toBe(0);
  });
});
