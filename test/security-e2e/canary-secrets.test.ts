// Attacks issue 3 points 3–4: canary secrets and canary PII run through every path; no output anywhere may contain
// them.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_AUDIT_FILE_NAME } from '../../src/audit/audit-log.js';
import { generateAuditSigningKeys } from '../../src/audit/signing-key.js';
import { configCheckCommand } from '../../src/cli/config-check-command.js';
import { maskKey } from '../../src/mock-upstream/wire.js';
import { createTracing } from '../../src/observability/tracing.js';
import { chatBody, looksLikeStackTrace, stackYaml, startSecStack, until, type SecStack } from './harness.js';

const CANARY_ENV_KEY = 'sk-canaryEnvKey0001ABCdefGHI'; // refused by the provider (401)
const CANARY_FILE_KEY = 'sk-canaryFileKey0002XYZabcJKL'; // accepted
const CANARY_BAD_KEY = 'sk-canaryBadKey0003QRSxyzMNO'; // refused: every route of model "broken" fails
const CANARY_CLIENT_CREDENTIAL = 'sk-canaryClientCred0004LMNopq';
const CANARY_EMAIL = 'canary.person.7731@example.org';
const CANARY_PROMPT_SECRET = 'sk-proj-Canary9Secret8Value7XYZabc123';

let stack: SecStack;
let dir: string;
let yamlFile: string;
let signingPem: string;
let env: Record<string, string>;
const bodies: string[] = [];
/** Every span Parley exported, as the OTLP exporter would have received it. */
const spans: ReadableSpan[] = [];
const collector: SpanExporter = {
  export(batch, done) {
    spans.push(...batch);
    done({ code: ExportResultCode.SUCCESS });
  },
  shutdown: async () => undefined,
};

const providers = (keyFile: string) => (mockUrl: string) => `providers:
  - { id: main, type: openai, baseUrl: "${mockUrl}/v1", apiKeys: ["env:CANARY_ENV_KEY", "file:${keyFile}"], retry: { retries: 0 } }
  - { id: bad, type: openai, baseUrl: "${mockUrl}/v1", apiKeys: ["env:CANARY_BAD_KEY"], retry: { retries: 0 } }
models:
  - { name: chat, targets: [{ provider: main, model: gpt-4o-mini }] }
  - { name: broken, targets: [{ provider: bad, model: gpt-4o-mini }] }
`;

/** Every canary value (signing key: each base64 line of the PEM body). */
function canaries(): string[] {
  const pemLines = signingPem.split('\n').filter((l) => l && !l.startsWith('-----'));
  // Fragments too: a masked echo such as "sk-canaryE***GHI" from a provider's error message must not pass either.
  const fragments = [
    'canaryEnvKey',
    'canaryFileKey',
    'canaryBadKey',
    'canaryClientCred',
    'canary.person',
    'Canary9Secret8Value7',
  ];
  // The provider's own 401 message names the refused key masked (OpenAI style); echoing it would leak the key's ends.
  const masked = [CANARY_ENV_KEY, CANARY_BAD_KEY].map(maskKey);
  return [
    CANARY_ENV_KEY,
    CANARY_FILE_KEY,
    CANARY_BAD_KEY,
    CANARY_CLIENT_CREDENTIAL,
    CANARY_EMAIL,
    CANARY_PROMPT_SECRET,
    ...fragments,
    ...masked,
    ...pemLines,
  ];
}

function expectClean(where: string, text: string): void {
  for (const canary of canaries())
    expect(text.includes(canary), `${where} contains a canary (${canary.slice(0, 12)}…)`).toBe(false);
}

async function record(method: string, path: string, opts: Parameters<SecStack['call']>[2]) {
  const r = await stack.call(method, path, opts);
  bodies.push(r.text);
  return r;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-canary-'));
  const keyFile = join(dir, 'provider-key');
  await writeFile(keyFile, `${CANARY_FILE_KEY}\n`, { mode: 0o600 });
  signingPem = generateAuditSigningKeys().privatePem;
  const signingFile = join(dir, 'audit-signing.pem');
  await writeFile(signingFile, signingPem, { mode: 0o600 });
  env = { CANARY_ENV_KEY, CANARY_BAD_KEY };
  const yaml = () => `audit: { signingKey: "file:${signingFile}", checkpointEvery: 5 }
rateLimits: { requestsPerMinute: 0, tokensPerMinute: 0, concurrentStreams: 0 }`;
  const tracing = createTracing({
    enabled: true,
    exporter: collector,
    exportDelayMs: 20,
    serviceName: 'parley-canary',
  });
  stack = await startSecStack({
    env,
    providers: providers(keyFile),
    yaml,
    mock: { validKeys: [CANARY_FILE_KEY] },
    tracing,
  });
  yamlFile = join(dir, 'parley.yaml');
  await writeFile(yamlFile, stackYaml(join(dir, 'data'), stack.mock.url, { providers: providers(keyFile), yaml }));
});

afterAll(async () => {
  await stack?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('canary secrets never leak', () => {
  it('runs traffic through success, upstream 401, errors, streams and sessions', async () => {
    const user = (await stack.createKey('user')).secret;
    for (let i = 0; i < 3; i++)
      expect(
        (await record('POST', '/v1/chat/completions', { key: user, body: chatBody(`question ${i}`) })).status,
      ).toBe(200);
    const streamed = await record('POST', '/v1/chat/completions', {
      key: user,
      body: chatBody('stream please', { stream: true, stream_options: { include_usage: true } }),
    });
    expect(streamed.status).toBe(200);
    expect(streamed.text).toContain('[DONE]');
    const broken = await record('POST', '/v1/chat/completions', {
      key: user,
      body: { ...chatBody('hi'), model: 'broken' },
    });
    expect(broken.status).toBeGreaterThanOrEqual(500);
    expect(looksLikeStackTrace(broken.text)).toBe(false);
    const brokenStream = await record('POST', '/v1/chat/completions', {
      key: user,
      body: { ...chatBody('hi'), model: 'broken', stream: true },
    });
    expect(brokenStream.status).toBeGreaterThanOrEqual(400);
    stack.mock.setScenario({ malformed: 'error-event' });
    await record('POST', '/v1/chat/completions', { key: user, body: chatBody('mid-stream failure', { stream: true }) });
    stack.mock.resetScenario();
    expect(
      (await record('GET', '/v1/models', { headers: { authorization: `Bearer ${CANARY_CLIENT_CREDENTIAL}` } })).status,
    ).toBe(401);
    const session = await record('POST', '/v1/sessions', { key: user, body: {} });
    const sid = session.json.id as string;
    expect(
      (await record('POST', `/v1/sessions/${sid}/messages`, { key: user, body: { content: 'hello', stream: true } }))
        .status,
    ).toBe(200);
    expect(
      (await record('POST', `/v1/sessions/${sid}/messages`, { key: user, body: { content: 'again' } })).status,
    ).toBe(200);
    // Both provider keys were used: the refused one (401 upstream) and the good one.
    const used = new Set(stack.mock.requests.map((r) => String(r.headers.authorization)));
    expect(used).toContain(`Bearer ${CANARY_ENV_KEY}`);
    expect(used).toContain(`Bearer ${CANARY_FILE_KEY}`);
    expect(used).toContain(`Bearer ${CANARY_BAD_KEY}`);
  });

  it('a prompt with a canary email is pseudonymised and a canary secret is refused with 422 naming the category', async () => {
    const user = (await stack.createKey('user')).secret;
    stack.mock.clearRequests();
    // The user's own answer may show their own address again (re-identified); so it is not added to `bodies`.
    const ok = await stack.call('POST', '/v1/chat/completions', {
      key: user,
      body: chatBody(`Please write to ${CANARY_EMAIL} today`),
    });
    expect(ok.status).toBe(200);
    expect(stack.mock.requests).toHaveLength(1);
    const upstream = JSON.stringify(stack.mock.requests[0].body);
    expect(upstream).not.toContain(CANARY_EMAIL);
    expect(upstream).toMatch(/\[EMAIL_1\]/);

    stack.mock.clearRequests();
    const refused = await record('POST', '/v1/chat/completions', {
      key: user,
      body: chatBody(`my key is ${CANARY_PROMPT_SECRET} keep it`),
    });
    expect(refused.status).toBe(422);
    expect(refused.json.error.message).toMatch(/openai_key|OpenAI/i);
    expect(stack.mock.requests).toHaveLength(0);
    const session = await record('POST', '/v1/sessions', { key: user, body: {} });
    const inSession = await record('POST', `/v1/sessions/${session.json.id}/messages`, {
      key: user,
      body: { content: `token ${CANARY_PROMPT_SECRET}` },
    });
    expect(inSession.status).toBe(422);
    expect(stack.mock.requests).toHaveLength(0);
  });

  it('no error body, /metrics or /openapi.json contains a canary', async () => {
    const metrics = await stack.call('GET', '/metrics', { key: stack.adminKey });
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain('parley_');
    expectClean('/metrics', metrics.text);
    const spec = await stack.call('GET', '/openapi.json', { key: stack.adminKey });
    expectClean('/openapi.json', spec.text);
    expect(bodies.length).toBeGreaterThan(10);
    bodies.forEach((b, i) => expectClean(`response body #${i}`, b));
  });

  it('the config object holds references, not secrets', () => {
    const dump = JSON.stringify(stack.parley.config);
    expect(dump).toContain('env:CANARY_ENV_KEY');
    expect(dump).toContain('file:');
    expectClean('JSON.stringify(config)', dump);
  });

  it('parley config check (with and without --secrets) prints no canary', async () => {
    for (const args of [[yamlFile], [yamlFile, '--secrets']]) {
      const lines: string[] = [];
      const code = await configCheckCommand(args, { out: (l) => lines.push(l), err: (l) => lines.push(l), env });
      expect(code, lines.join('\n')).toBe(0);
      expect(lines.join('\n')).toMatch(/^OK/);
      expectClean(`config check ${args.join(' ')}`, lines.join('\n'));
    }
  });

  it('no span (name, attributes, events, status) contains a canary', async () => {
    // The prompts traced through the request path include the email and the refused secret.
    const user = (await stack.createKey('user')).secret;
    await stack.call('POST', '/v1/chat/completions', {
      key: user,
      body: chatBody(`trace ${CANARY_EMAIL}`),
      headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
    });
    await stack.parley.app.inject({ method: 'GET', url: '/healthz' });
    await until(
      () => spans.some((s) => s.spanContext().traceId === '0af7651916cd43dd8448eb211c80319c'),
      5_000,
      'the traced request to be exported',
    );
    expect(spans.length).toBeGreaterThan(10);
    const dump = JSON.stringify(
      spans.map((s) => ({
        name: s.name,
        attributes: s.attributes,
        events: s.events,
        status: s.status,
        resource: s.resource.attributes,
      })),
    );
    expect(dump).toContain('gen_ai');
    expectClean('spans', dump);
  });

  it('no log line (debug level) and no audit record contains a canary', async () => {
    await stack.shutdown();
    const logs = stack.logText();
    expect(logs.split('\n').length).toBeGreaterThan(20);
    expect(logs).toContain('"msg":"request"');
    expectClean('logs', logs);
    const audit = await readFile(join(stack.dataDir, DEFAULT_AUDIT_FILE_NAME), 'utf8');
    expect(audit).toContain('"privacy.protected"');
    expect(audit).toContain('"type":"checkpoint"');
    expectClean('audit file', audit);
  });
});
