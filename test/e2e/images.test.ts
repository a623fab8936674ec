// Browser tests of images and reasoning: attach (button and keyboard), paste, drop, the refusals of an oversized
// and of an unsupported file, a model without vision, thumbnails that survive a reload, and reasoning collapsed.
/// <reference lib="dom" />
/// <reference lib="dom.iterable" />

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { MAX_IMAGE_BYTES } from '../../src/domain/image-limits.js';
import { ROOT, sendAndWait, signIn, useBrowserSuite, type Stack } from './harness.js';

let stack: Stack;
let page: Page;

/** A real 1×1 PNG (so the thumbnail decodes). */
const PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
const PNG = Buffer.from(PNG_BASE64, 'base64');

useBrowserSuite((state) => ({ stack, page } = state), {
  stack: {
    extraModels: `  - { name: seer, capabilities: [vision], targets: [{ provider: mock, model: gpt-4o-mini }] }
  - { name: text-only, capabilities: [tools], targets: [{ provider: mock, model: gpt-4o-mini }] }`,
  },
});

const box = () => page.getByLabel('Message', { exact: true });
const attachButton = () => page.getByRole('button', { name: 'Attach image' });
const notice = () => page.locator('.attach-notice');
const upstreamBodies = () =>
  stack.mock.requests
    .filter((r) => r.path === '/v1/chat/completions')
    .map((r) => r.body as { messages: { role: string; content: unknown }[] });

async function signInWith(model: string): Promise<void> {
  await signIn(page, stack);
  await page.getByLabel('Model').selectOption(model);
  // The composer re-renders for the chosen model's capabilities; act only once it has (the attach button says it).
  const visionWanted = model === 'seer';
  await expect.poll(() => attachButton().getAttribute('aria-disabled')).toBe(visionWanted ? null : 'true');
}

/** True when every thumbnail matching `selector` has decoded (a broken or blocked image has no natural width). */
async function thumbnailsDecoded(selector: string, count: number): Promise<void> {
  const images = page.locator(selector);
  await images.nth(count - 1).waitFor();
  expect(await images.count()).toBe(count);
  await page.waitForFunction(
    (s) => [...document.querySelectorAll<HTMLImageElement>(s)].every((img) => img.complete && img.naturalWidth > 0),
    selector,
  );
}

/** Fires a paste (or drop) of files on an element, as the browser does for a screenshot in the clipboard. */
async function dispatchFiles(
  selector: string,
  kind: 'paste' | 'drop',
  files: { name: string; type: string; base64: string }[],
): Promise<void> {
  await page.evaluate(
    ({ selector, kind, files }) => {
      const data = new DataTransfer();
      for (const f of files)
        data.items.add(new File([Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0))], f.name, { type: f.type }));
      const target = document.querySelector(selector)!;
      if (kind === 'paste')
        target.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
      else {
        target.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }));
        target.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
      }
    },
    { selector, kind, files },
  );
}

async function axeViolations(): Promise<{ id: string; impact: string }[]> {
  await page.evaluate(readFileSync(`${ROOT}node_modules/axe-core/axe.min.js`, 'utf8'));
  return page.evaluate(async () => {
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
}

// Several sign-ins, uploads and reloads per test: more than the default timeout on a loaded machine.
describe('images', { timeout: 60_000 }, () => {
  it('attaches with the keyboard, sends an image part, shows the thumbnail, and keeps it after a reload', async () => {
    await signInWith('seer');
    // Listen first: Playwright turns file-chooser interception on asynchronously with the first listener, and a
    // chooser opened before that is a native one that never becomes an event.
    const chooserOpened = page.waitForEvent('filechooser');
    await attachButton().focus();
    await page.keyboard.press('Enter');
    const chooser = await chooserOpened;
    await chooser.setFiles({ name: 'cat.png', mimeType: 'image/png', buffer: PNG });
    await thumbnailsDecoded('.attachments img', 1);
    expect(await page.locator('.attachments img').getAttribute('alt')).toBe('cat.png');
    expect(await axeViolations()).toEqual([]);

    await sendAndWait(page, 'What is in this picture?');
    await thumbnailsDecoded('.msg.user .thumbs img', 1);
    expect(await page.locator('.msg.user .thumbs img').getAttribute('alt')).toBe('Attached image 1 of 1');
    expect(await page.locator('.attachments').count()).toBe(0);
    expect(await page.locator('.msg.assistant .md').last().textContent()).toContain('[images: 1]');
    const last = upstreamBodies().at(-1)!.messages.at(-1)!;
    expect(last.content).toEqual([
      { type: 'text', text: 'What is in this picture?' },
      { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_BASE64}` } },
    ]);
    expect(await axeViolations()).toEqual([]);

    await page.reload();
    await thumbnailsDecoded('.msg.user .thumbs img', 1);
    expect(await page.locator('.msg.user .text').textContent()).toBe('What is in this picture?');
  });

  it('takes a pasted image, and an image alone (no text) is a message', async () => {
    await signInWith('seer');
    await dispatchFiles('#message', 'paste', [{ name: 'image.png', type: 'image/png', base64: PNG_BASE64 }]);
    await thumbnailsDecoded('.attachments img', 1);
    await box().press('Enter');
    await page.locator('.msg.assistant:not(.streaming)').waitFor();
    await thumbnailsDecoded('.msg.user .thumbs img', 1);
    expect(await page.locator('.msg.user .bubble').count()).toBe(0);
    expect(JSON.stringify(upstreamBodies().at(-1)!.messages.at(-1)!.content)).toContain('image_url');
  });

  it('takes dropped images, and one can be removed before sending', async () => {
    await signInWith('seer');
    await dispatchFiles('.composer', 'drop', [
      { name: 'one.png', type: 'image/png', base64: PNG_BASE64 },
      { name: 'two.png', type: 'image/png', base64: PNG_BASE64 },
    ]);
    await thumbnailsDecoded('.attachments img', 2);
    await page.getByRole('button', { name: 'Remove image one.png' }).click();
    expect(await page.locator('.attachments img').getAttribute('alt')).toBe('two.png');
    await sendAndWait(page, 'two pictures, one left');
    await thumbnailsDecoded('.msg.user .thumbs img', 1);
    expect(await page.locator('.msg.assistant .md').last().textContent()).toContain('[images: 1]');
  });

  it('refuses an oversized file and an unsupported type in the browser, saying why, and uploads nothing', async () => {
    await signInWith('seer');
    const before = stack.mock.requests.length;
    const input = page.locator('#attach-file');
    await input.setInputFiles({
      name: 'huge.png',
      mimeType: 'image/png',
      buffer: Buffer.concat([PNG, Buffer.alloc(MAX_IMAGE_BYTES)]),
    });
    await notice()
      .filter({ hasText: 'huge.png cannot be attached: it is 3.01 MB, and images may be at most 3 MB.' })
      .waitFor();
    expect(await page.locator('.attachments').count()).toBe(0);
    expect(await notice().getAttribute('role')).toBe('alert');

    await input.setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not an image') });
    await notice()
      .filter({ hasText: 'notes.txt cannot be attached: it is not a PNG, JPEG, GIF or WebP image (text/plain).' })
      .waitFor();
    await dispatchFiles('#message', 'paste', [{ name: 'photo.bmp', type: 'image/bmp', base64: 'Qk0=' }]);
    await notice()
      .filter({ hasText: 'photo.bmp cannot be attached: it is not a PNG, JPEG, GIF or WebP image (image/bmp).' })
      .waitFor();
    expect(await page.locator('.attachments').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Send' }).isDisabled()).toBe(true);
    expect(stack.mock.requests.length).toBe(before);
  });

  it('a model without vision: the attach button is disabled with the reason, and a pasted image is refused saying why', async () => {
    await signInWith('text-only');
    const button = attachButton();
    expect(await button.getAttribute('aria-disabled')).toBe('true');
    expect(await page.locator('#attach-why').textContent()).toBe(
      'The model text-only does not accept images. Switch to a model with vision to attach one. ',
    );
    expect(await button.getAttribute('aria-describedby')).toBe('attach-why');
    expect(await page.locator('#attach-file').isDisabled()).toBe(true);
    // aria-disabled keeps it focusable: a keyboard user reaches it and hears why.
    await button.focus();
    await page.keyboard.press('Enter');
    await notice()
      .filter({ hasText: 'The model text-only does not accept images. Switch to a model with vision to attach one.' })
      .waitFor();

    await dispatchFiles('#message', 'paste', [{ name: 'image.png', type: 'image/png', base64: PNG_BASE64 }]);
    await notice()
      .filter({
        hasText:
          'The pasted image was not added: the model text-only does not accept images. Switch to a ' +
          'model with vision to send images.',
      })
      .waitFor();
    expect(await page.locator('.attachments').count()).toBe(0);
    expect(await axeViolations()).toEqual([]);

    // Switching to a model with vision enables it.
    await page.getByLabel('Model').selectOption('seer');
    expect(await attachButton().getAttribute('aria-disabled')).toBeNull();
    expect(await page.locator('#attach-why').count()).toBe(0);
  });
});

describe('reasoning', { timeout: 60_000 }, () => {
  it("shows the model's reasoning collapsed under the answer; the keyboard opens it; it is there after a reload", async () => {
    stack.mock.setScenario({ reasoningText: 'First I weigh the wombat against the walrus.' });
    await signIn(page, stack);
    await sendAndWait(page, 'Which is heavier?');
    const details = page.locator('.msg.assistant details.reasoning');
    await details.waitFor();
    const text = details.locator('.reasoning-text');
    expect(await details.evaluate((el) => (el as HTMLDetailsElement).open)).toBe(false);
    expect(await text.isVisible()).toBe(false);
    expect(await details.locator('summary').textContent()).toBe('Reasoning');
    expect(await page.locator('.msg.assistant .md').textContent()).not.toContain('wombat');
    // The answer comes first, the disclosure under it.
    expect(await page.locator('.msg.assistant > .md + .reasoning, .msg.assistant > .md ~ .reasoning').count()).toBe(1);

    await details.locator('summary').focus();
    await page.keyboard.press('Enter');
    await text.waitFor({ state: 'visible' });
    expect(await text.textContent()).toBe('First I weigh the wombat against the walrus.');
    await page.keyboard.press('Space');
    await text.waitFor({ state: 'hidden' });
    expect(await axeViolations()).toEqual([]);

    await page.reload();
    await page.locator('.msg.assistant details.reasoning').waitFor();
    expect(
      await page.locator('.msg.assistant details.reasoning').evaluate((el) => (el as HTMLDetailsElement).open),
    ).toBe(false);
  });

  it('shows no disclosure when the model returns no reasoning', async () => {
    await signIn(page, stack);
    await sendAndWait(page, 'plain answer please');
    expect(await page.locator('details.reasoning').count()).toBe(0);
  });
});
