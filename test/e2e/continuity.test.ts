// Browser tests of continuity and control: reload, the server-side list, rename, search, system prompt, model switch,
// keyboard shortcuts and their help, the remembered theme, and code blocks with a language label and a copy button.
/// <reference lib="dom" />
/// <reference lib="dom.iterable" />

import { describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { openChatId, openPage, sendAndWait, signIn, useBrowserSuite, type Stack } from './harness.js';

let stack: Stack;
let browser: Browser;
let context: BrowserContext;
let page: Page;

interface SessionBody {
  model: string;
  title?: string;
  system?: string;
  messages: { role: string; content: string; model?: string }[];
}

const box = () => page.getByLabel('Message', { exact: true });
const chatTitles = () => page.locator('.chat-title').allTextContents();
const upstreamBodies = () =>
  stack.mock.requests
    .filter((r) => r.path === '/v1/chat/completions')
    .map((r) => r.body as { model: string; messages: { role: string; content: string }[] });

useBrowserSuite((state) => ({ stack, browser, context, page } = state));

describe('continuity', () => {
  it('a reload reopens the chat that was open, with its messages', async () => {
    await signIn(page, stack);
    await sendAndWait(page, 'remember me after a reload');
    const id = await openChatId(page);
    expect(id).toMatch(/\S/);
    await page.reload();
    await page.locator('.msg.assistant .md').filter({ hasText: 'Mock reply: remember me after a reload' }).waitFor();
    expect(await page.locator('.msg').count()).toBe(2);
    expect(await openChatId(page)).toBe(id);
    expect(await page.locator('.chats li.current .chat-title').textContent()).toBe('remember me after a reload');
    await page.getByRole('button', { name: 'New chat' }).click();
    await page.reload();
    await page.getByText('What can I help with?').waitFor();
    expect(await page.locator('.msg').count()).toBe(0);
  });

  it("the chat list comes from the server: a new tab lists the same chats, newest first, never another key's", async () => {
    const other = await stack.api<{ secret: string }>(
      'POST',
      '/v1/admin/keys',
      { name: 'someone else', role: 'user' },
      stack.adminKey,
    );
    await stack.api('POST', '/v1/sessions', { title: "Someone else's chat" }, other.body.secret);
    await signIn(page, stack);
    await sendAndWait(page, 'older chat');
    await page.getByRole('button', { name: 'New chat' }).click();
    await sendAndWait(page, 'newer chat');
    expect(await chatTitles()).toEqual(['newer chat', 'older chat']);

    const fresh = await openPage(browser, stack.url);
    try {
      await signIn(fresh.page, stack);
      await fresh.page.locator('.chat-title').nth(1).waitFor();
      expect(await fresh.page.locator('.chat-title').allTextContents()).toEqual(['newer chat', 'older chat']);
      expect(await fresh.page.locator('.chat-meta').first().textContent()).toMatch(/^chat · expires \d/);
      await fresh.page.locator('.chat-open').filter({ hasText: 'older chat' }).click();
      await fresh.page.locator('.msg.assistant .md').filter({ hasText: 'Mock reply: older chat' }).waitFor();
      expect(fresh.watch.foreignRequests).toEqual([]);
    } finally {
      await fresh.context.close();
    }
  }, 60_000); // two sign-ins and a second browser context: more than the default on a loaded machine

  it('renames a chat from the list (PATCH); the new name is kept on the server and survives a reload', async () => {
    await signIn(page, stack);
    await sendAndWait(page, 'a long first message that becomes the title');
    const id = await openChatId(page);
    await page.getByRole('button', { name: /^Rename chat:/ }).click();
    const field = page.getByLabel(/^New name for chat:/);
    expect(await field.evaluate((el) => el === document.activeElement)).toBe(true);
    await field.fill('Trip to Lisbon');
    await field.press('Enter');
    await page.locator('.chat-title').filter({ hasText: 'Trip to Lisbon' }).waitFor();
    await page.locator('#status').filter({ hasText: 'Chat renamed to Trip to Lisbon.' }).waitFor({ state: 'attached' });
    // Focus returns to the chat's Rename button, so a keyboard user carries on from there.
    await page.waitForFunction(
      () => document.activeElement?.getAttribute('aria-label') === 'Rename chat: Trip to Lisbon',
    );
    expect((await stack.api<SessionBody>('GET', `/v1/sessions/${id}`)).body.title).toBe('Trip to Lisbon');
    await page.getByRole('button', { name: 'Rename chat: Trip to Lisbon' }).click();
    await page.getByLabel(/^New name for chat:/).fill('Not this');
    await page.getByLabel(/^New name for chat:/).press('Escape');
    await page.reload();
    await page.locator('.chat-title').filter({ hasText: 'Trip to Lisbon' }).waitFor();
    expect(await chatTitles()).toEqual(['Trip to Lisbon']);
    expect(await page.locator('.topbar-title').textContent()).toContain('Trip to Lisbon');
  });

  it('searches the list by title and model', async () => {
    for (const [title, model] of [
      ['Quarterly report', 'chat'],
      ['Regex for postcodes', 'big'],
      ['Report card comments', 'chat'],
    ]) {
      expect((await stack.api('POST', '/v1/sessions', { title, model })).status).toBe(201);
    }
    await signIn(page, stack);
    await page.locator('.chat-title').nth(2).waitFor();
    const search = page.getByLabel('Search chats');
    await search.fill('report');
    expect((await chatTitles()).sort()).toEqual(['Quarterly report', 'Report card comments']);
    await search.fill('REPORT card');
    expect(await chatTitles()).toEqual(['Report card comments']);
    await search.fill('big');
    expect(await chatTitles()).toEqual(['Regex for postcodes']);
    await search.fill('nothing like this');
    await page.getByText('No chat matches “nothing like this”.').waitFor();
    await search.fill('');
    expect(await chatTitles()).toHaveLength(3);
  });
});

describe('control', () => {
  it('sets a system prompt when the chat starts, shows it in the chat, and sends it with every turn', async () => {
    await signIn(page, stack);
    await page.getByText('System prompt (optional)').click();
    await page.getByLabel(/Instructions for the whole chat/).fill('Answer like a pirate.');
    await sendAndWait(page, 'hello captain');
    const shown = page.getByRole('complementary', { name: 'System prompt of this chat' });
    await expect(shown.textContent()).resolves.toContain('Answer like a pirate.');
    expect(upstreamBodies().at(-1)!.messages[0]).toEqual({ role: 'system', content: 'Answer like a pirate.' });
    const id = await openChatId(page);
    expect((await stack.api<SessionBody>('GET', `/v1/sessions/${id}`)).body.system).toBe('Answer like a pirate.');
    await page.reload();
    await expect(shown.textContent()).resolves.toContain('Answer like a pirate.');
    await page.getByRole('button', { name: 'New chat' }).click();
    expect(await shown.count()).toBe(0);
    expect(await page.getByLabel(/Instructions for the whole chat/).inputValue()).toBe('');
  });

  it('switches the model mid-chat: the next answer comes from the new model, with the history', async () => {
    await signIn(page, stack);
    await sendAndWait(page, 'first on the small model');
    expect(upstreamBodies().at(-1)!.model).toBe('gpt-4o-mini');
    await page.getByLabel('Model', { exact: true }).selectOption('big');
    await page.locator('#status').filter({ hasText: 'Next answers come from big.' }).waitFor({ state: 'attached' });
    await sendAndWait(page, 'second on the big model');
    const last = upstreamBodies().at(-1)!;
    expect(last.model).toBe('gpt-4o');
    expect(last.messages.map((m) => m.content.slice(0, 24))).toEqual([
      'first on the small model',
      expect.stringMatching(/^Mock reply: first/),
      'second on the big model',
    ]);
    expect(await page.locator('.msg.assistant .author-model').allTextContents()).toEqual(['chat', 'big']);
    const id = await openChatId(page);
    expect((await stack.api<SessionBody>('GET', `/v1/sessions/${id}`)).body.model).toBe('big');
    expect(await page.locator('.chats li.current .chat-meta').textContent()).toMatch(/^big ·/);
  });

  it('keyboard shortcuts: help dialog, new chat, focus the composer, stop, copy the last answer', async () => {
    await signIn(page, stack);
    await sendAndWait(page, 'copy this answer');
    await page.locator('body').click({ position: { x: 5, y: 400 } });
    await page.keyboard.press('Control+/');
    const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await dialog.waitFor();
    for (const does of [
      'New chat',
      'Focus the message box',
      'Stop the answer',
      'Copy the last answer',
      'Show these shortcuts',
    ]) {
      await dialog.getByRole('rowheader', { name: does }).waitFor();
    }
    expect(await page.evaluate(() => document.activeElement?.closest('dialog') !== null)).toBe(true);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });

    await page.keyboard.press('Control+Shift+C');
    await page.locator('#status').filter({ hasText: 'Last answer copied.' }).waitFor({ state: 'attached' });
    expect(await page.evaluate(() => navigator.clipboard.readText())).toMatch(/^Mock reply: copy this answer/);

    await page.getByRole('button', { name: 'Keyboard shortcuts' }).focus();
    await page.keyboard.press('Shift+Escape');
    expect(await box().evaluate((el) => el === document.activeElement)).toBe(true);

    stack.mock.setScenario({ tokens: 60, tokenDelayMs: 50 });
    await box().fill('a long answer to stop');
    await box().press('Enter');
    await page.locator('.msg.streaming .md').filter({ hasText: 'long' }).waitFor();
    await page.keyboard.press('Escape');
    await page.getByText('Stopped before the end.').waitFor();

    await page.keyboard.press('Control+Shift+O');
    await page.getByText('What can I help with?').waitFor();
    expect(await page.locator('.msg').count()).toBe(0);
    expect(await box().evaluate((el) => el === document.activeElement)).toBe(true);
  });

  it('the theme toggle switches light and dark and is remembered (only the preference is in localStorage)', async () => {
    await context.close();
    ({ context, page } = await openPage(browser, stack.url, { colorScheme: 'light' }));
    await signIn(page, stack);
    const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const light = await background();
    await page.getByRole('button', { name: 'Switch to dark theme' }).click();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    const dark = await background();
    expect(dark).not.toBe(light);
    await page.reload();
    await box().waitFor();
    expect(await background()).toBe(dark);
    expect(await page.evaluate(() => ({ ...localStorage }))).toEqual({ 'parley.theme': 'dark' });
    await page.getByRole('button', { name: 'Switch to light theme' }).click();
    expect(await background()).toBe(light);
  });

  it('code blocks have a language label and a copy button', async () => {
    const code = 'SELECT id, title\nFROM chats\nWHERE owner = $1;';
    await signIn(page, stack);
    await page.route('**/v1/sessions/*/messages', async (route) => {
      const now = new Date().toISOString();
      const content = `Here you go:\n\n\`\`\`sql\n${code}\n\`\`\`\n\nAnd plain:\n\n\`\`\`\nno language\n\`\`\``;
      const frames = [
        [
          'start',
          {
            messageId: 'msg_a1',
            userMessage: { id: 'msg_u1', role: 'user', content: 'sql please', createdAt: now },
            model: 'chat',
            protected: {},
          },
        ],
        ['delta', { text: content }],
        ['done', { message: { id: 'msg_a1', role: 'assistant', content, createdAt: now } }],
      ];
      await route.fulfill({
        status: 200,
        contentType: 'text/event-stream',
        body: frames.map(([e, d]) => `event: ${e}\ndata: ${JSON.stringify(d)}\n\n`).join(''),
      });
    });
    await sendAndWait(page, 'sql please');
    const heads = page.locator('.msg.assistant .code-head > span');
    expect(await heads.allTextContents()).toEqual(['SQL', 'Code']);
    const copy = page.locator('.msg.assistant .code-block').first().getByRole('button', { name: 'Copy code' });
    await copy.focus();
    await page.keyboard.press('Enter');
    await page.locator('.msg.assistant .code-block').first().getByRole('button', { name: 'Copied' }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(`${code}\n`);
  });
});
