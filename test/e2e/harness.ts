// E2E harness: builds the UI once, starts the mock upstream + Parley (with the UI routes) and Chromium.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { parseConfig } from '../../src/config/load.js';
import { registerUiRoutes, type UiPublicConfig } from '../../src/http/routes/ui.js';
import { startParley, type RunningParley } from '../../src/main.js';
import { startMockUpstream, type MockUpstream } from '../../src/mock-upstream/index.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DIST = `${ROOT}web/dist`;
// The test command runs the suite on two runtimes at once: each keeps its own screenshots and measurements.
const RUNTIME = process.env.PARLEY_TEST_NODE_MAJOR;
export const ARTIFACTS = `${ROOT}test-artifacts${RUNTIME ? `/node${RUNTIME}` : ''}`;

/** Newest modification time of the UI sources (web/src, index.html, vite config). */
function sourcesMtime(): number {
  const web = `${ROOT}web/`;
  const files = [
    `${web}index.html`,
    `${web}vite.config.ts`,
    ...readdirSync(`${web}src`, { recursive: true }).map((f) => `${web}src/${String(f)}`),
  ];
  return Math.max(...files.map((f) => statSync(f).mtimeMs));
}

function builtIsFresh(): boolean {
  return existsSync(`${DIST}/index.html`) && statSync(`${DIST}/index.html`).mtimeMs >= sourcesMtime();
}

/**
 * Builds web/dist when missing or older than its sources (a directory lock keeps parallel test files from building
 * twice).
 */
export async function ensureWebBuilt(): Promise<void> {
  const lock = `${ROOT}web/.e2e-build-lock`;
  for (let waited = 0; !builtIsFresh(); waited += 200) {
    try {
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 120_000) rmdirSync(lock); // left by a killed run
      mkdirSync(lock);
    } catch {
      if (waited > 60_000) throw new Error('Timed out waiting for another test file to build web/dist');
      await delay(200);
      continue;
    }
    try {
      if (!builtIsFresh())
        execFileSync('npx', ['vite', 'build', '--config', 'web/vite.config.ts', '--logLevel', 'error'], {
          cwd: ROOT,
          stdio: 'pipe',
        });
    } finally {
      rmdirSync(lock);
    }
  }
}

export interface StackOptions {
  demo?: boolean;
  uiConfig?: UiPublicConfig;
  distDir?: string;
  /** Requests per principal per minute (0 = unlimited, the default here). */
  requestsPerMinute?: number;
  /** Extra YAML appended to the configuration (e.g. an `auth:` block). */
  extraYaml?: string;
  /** Extra entries of the `models:` list (YAML list items indented by two spaces), after `chat` and `big`. */
  extraModels?: string;
}

/** A running Parley (real authentication, keys in a temporary data dir) with the UI and a mock upstream. */
export interface Stack {
  url: string;
  mock: MockUpstream;
  /** A user-role API key for the UI ('' when OIDC is configured: no first-start key then). */
  apiKey: string;
  apiKeyId: string;
  /** The admin key printed on first start. */
  adminKey: string;
  /** The one-time login link printed on first start. */
  loginUrl: string;
  /** Calls the API with `apiKey` (or `key`). */
  api<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    key?: string,
  ): Promise<{ status: number; headers: Headers; body: T }>;
  close(): Promise<void>;
}

/** Starts the mock upstream and Parley (startParley + the UI plugin) on free ports. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const mock = await startMockUpstream({ scenario: { tokens: 12 } });
  const dataDir = await mkdtemp(join(tmpdir(), 'parley-e2e-'));
  const yaml = `server: { host: 127.0.0.1, port: 0 }
dataDir: ${JSON.stringify(dataDir)}
providers:
  - { id: mock, type: openai, baseUrl: "${mock.url}/v1", apiKeys: [], retry: { retries: 0 } }
models:
  - { name: chat, targets: [{ provider: mock, model: gpt-4o-mini }] }
  - { name: big, targets: [{ provider: mock, model: gpt-4o }] }
${options.extraModels ?? ''}
rateLimits: { requestsPerMinute: ${options.requestsPerMinute ?? 0}, tokensPerMinute: 0, concurrentStreams: 0 }
${options.extraYaml ?? ''}
`;
  let started: RunningParley | undefined;
  // Everything started so far is released on every exit path, a failed start included.
  const release = async (): Promise<void> => {
    await started?.shutdown();
    await mock.close();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const parsed = parseConfig(yaml, 'e2e', {});
    const config = options.demo ? { ...parsed, demoMode: true } : parsed;
    const parley = await startParley({
      config,
      logger: pino({ level: 'silent' }),
      // Registers the UI unless the composition root already does (then it serves web/dist with the same settings).
      plugins: [
        async (app) =>
          app.hasRoute({ method: 'GET', url: '/' })
            ? undefined
            : registerUiRoutes(app, { distDir: options.distDir ?? DIST, uiConfig: options.uiConfig }),
      ],
    });
    started = parley;
    // No first-start key when OIDC is configured: such stacks sign in through the identity provider only.
    const adminKey = parley.firstStart?.adminKey ?? '';
    const loginUrl = parley.firstStart?.loginUrl ?? '';
    const user = { secret: adminKey, id: '' };
    const api = async <T>(method: string, path: string, body?: unknown, key?: string) => {
      const headers: Record<string, string> = { authorization: `Bearer ${key ?? user.secret}` };
      if (body !== undefined) headers['content-type'] = 'application/json';
      const response = await fetch(parley.url + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : undefined) as T };
    };
    if (adminKey) {
      const issued = await api<{ key: { id: string }; secret: string }>(
        'POST',
        '/v1/admin/keys',
        { name: 'e2e user', role: 'user' },
        adminKey,
      );
      if (issued.status !== 201)
        throw new Error(`Could not create a user key: ${issued.status} ${JSON.stringify(issued.body)}`);
      Object.assign(user, { secret: issued.body.secret, id: issued.body.key.id });
    }
    return {
      url: parley.url,
      mock,
      apiKey: user.secret,
      apiKeyId: user.id,
      adminKey,
      loginUrl,
      api,
      close: release,
    };
  } catch (error) {
    await release();
    throw error;
  }
}

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Launches Debian's Chromium. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true });
}

/** What a page did that it must not: requests off the Parley origin, CSP violations, page errors. */
export interface PageWatch {
  foreignRequests: string[];
  requests: string[];
  pageErrors: string[];
}

/** A fresh context + page that records every request and counts CSP violations (`window.__cspViolations`). */
export async function openPage(
  browser: Browser,
  origin: string,
  contextOptions: Parameters<Browser['newContext']>[0] = {},
): Promise<{ context: BrowserContext; page: Page; watch: PageWatch }> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 }, ...contextOptions });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
  await context.addInitScript({
    content:
      `window.__cspViolations = []; document.addEventListener('securitypolicyviolation', (e) => ` +
      `window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));`,
  });
  const page = await context.newPage();
  const watch: PageWatch = { foreignRequests: [], requests: [], pageErrors: [] };
  page.on('request', (request) => {
    const url = request.url();
    watch.requests.push(url);
    // blob: URLs of the page's own origin are images it made itself (thumbnails of attached files).
    if (!url.startsWith(origin + '/') && !url.startsWith(`blob:${origin}/`)) watch.foreignRequests.push(url);
  });
  page.on('pageerror', (error) => watch.pageErrors.push(error.message));
  return { context, page, watch };
}

/** Signs in by pasting the stack's API key and waits for the composer. */
export async function signIn(page: Page, stack: Pick<Stack, 'url' | 'apiKey'>): Promise<void> {
  await page.goto(stack.url);
  await page.getByLabel('API key').fill(stack.apiKey);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByLabel('Message', { exact: true }).waitFor();
}

/** Types a message and presses Enter; resolves when the answer is complete. */
export async function sendAndWait(page: Page, text: string): Promise<void> {
  const answers = await page.locator('.msg.assistant:not(.streaming)').count();
  await page.getByLabel('Message', { exact: true }).fill(text);
  await page.getByLabel('Message', { exact: true }).press('Enter');
  await page.locator('.msg.assistant:not(.streaming)').nth(answers).waitFor();
  await page.locator('.msg.streaming').waitFor({ state: 'detached' });
}

/** Deletes every live session of the stack's user key, so each test starts with an empty chat list. */
export async function clearSessions(stack: Stack): Promise<void> {
  if (!stack.apiKey) return;
  const listed = await stack.api<{ data: { id: string }[] }>('GET', '/v1/sessions');
  for (const session of listed.body?.data ?? []) await stack.api('DELETE', `/v1/sessions/${session.id}`);
}

/** The id of the chat open in the page (kept in sessionStorage so a reload reopens it). */
export function openChatId(page: Page): Promise<string | null> {
  return page.evaluate(() => sessionStorage.getItem('parley.open'));
}

/** What a browser test file works with; refreshed before every test. */
export interface BrowserSuiteState {
  stack: Stack;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  watch: PageWatch;
}

/**
 * The shared lifecycle of a browser test file: one Parley stack and one browser per file, a fresh page per test
 * (signed in when asked), and after each test the check that the page talked to nobody but Parley, broke no CSP
 * rule and threw nothing. `bind` receives the state before every test.
 */
export function useBrowserSuite(
  bind: (state: BrowserSuiteState) => void,
  options: { signIn?: boolean; stack?: StackOptions } = {},
): void {
  const state = {} as BrowserSuiteState;
  beforeAll(async () => {
    await ensureWebBuilt();
    // Both start together; whichever succeeded is kept for afterAll to close even when the other failed.
    const [stack, browser] = await Promise.allSettled([startStack(options.stack), launchBrowser()]);
    if (stack.status === 'fulfilled') state.stack = stack.value;
    if (browser.status === 'fulfilled') state.browser = browser.value;
    if (stack.status === 'rejected') throw stack.reason;
    if (browser.status === 'rejected') throw browser.reason;
    bind(state);
  });
  afterAll(async () => {
    await state.browser?.close();
    await state.stack?.close();
  });
  afterEach(async () => {
    expect(state.watch.foreignRequests).toEqual([]);
    expect(state.watch.pageErrors).toEqual([]);
    if (!state.page.isClosed())
      expect(
        await state.page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations),
      ).toEqual([]);
  });
  beforeEach(async () => {
    state.stack.mock.resetScenario();
    await clearSessions(state.stack);
    await state.context?.close();
    ({ context: state.context, page: state.page, watch: state.watch } = await openPage(state.browser, state.stack.url));
    if (options.signIn) await signIn(state.page, state.stack);
    bind(state);
  });
}
