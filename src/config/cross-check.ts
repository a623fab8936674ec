// Checks across keys that one schema cannot express: unique ids, known providers, URLs, headers.

import { isIP } from 'node:net';
import type { RawConfig } from './schema.js';
import { regexSafetyProblem } from './regex-safety.js';
import { secretRefProblem } from './secret-ref.js';
import { suggest } from './suggest.js';
import { parseDuration, parseSize } from './units.js';
import type { ConfigProblem } from './validate.js';

const HEADER_NAME_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const CREDENTIAL_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'x-api-key',
  'api-key',
  'cookie',
  'x-goog-api-key',
]);

function duplicates(
  names: string[],
  what: string,
  path: (i: number) => (string | number)[],
  fix: string,
): ConfigProblem[] {
  const seen = new Map<string, number>();
  const out: ConfigProblem[] = [];
  names.forEach((name, i) => {
    const first = seen.get(name);
    if (first === undefined) seen.set(name, i);
    else out.push({ path: path(i), message: `duplicate ${what} '${name}' (also at index ${first}) — ${fix}` });
  });
  return out;
}

function checkUrl(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `not a URL (got '${value}') — write e.g. https://api.openai.com/v1 or http://127.0.0.1:9000/v1`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return `must use http or https (got ${url.protocol}) — write an http:// or https:// URL`;
  if (url.username || url.password)
    return 'must not contain credentials — remove user:password@ and put keys in apiKeys as secret references';
  if (url.search || url.hash) return 'must not contain a query or fragment — remove everything from ? or #';
  return undefined;
}

/** Why `value` is not an IP address or CIDR network (as proxy-addr, which Fastify uses, reads them), or undefined. */
export function proxyAddressProblem(value: string): string | undefined {
  const slash = value.indexOf('/');
  const address = slash === -1 ? value : value.slice(0, slash);
  const family = isIP(address);
  const example = 'write an address or a network, e.g. 127.0.0.1, 10.0.0.0/8, ::1 or fd00::/8';
  if (family === 0) return `not an IP address (got '${value}') — ${example}`;
  if (slash === -1) return undefined;
  const prefix = value.slice(slash + 1);
  const max = family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > max)
    return `the prefix after / must be a whole number from 0 to ${max} (got '${prefix}') — ${example}`;
  return undefined;
}

/** Returns the cross-key problems of a schema-valid configuration (with defaults applied). */
export function crossCheck(raw: RawConfig): ConfigProblem[] {
  const providers = raw.providers ?? [];
  const models = raw.models ?? [];
  const out: ConfigProblem[] = [];
  (raw.server?.trustedProxies ?? []).forEach((value, i) => {
    const problem = proxyAddressProblem(value);
    if (problem) out.push({ path: ['server', 'trustedProxies', i], message: problem });
  });
  out.push(...privacyProblems(raw));
  out.push(...auditProblems(raw));
  out.push(
    ...duplicates(
      providers.map((p) => p.id),
      'provider id',
      (i) => ['providers', i, 'id'],
      'give each provider its own id',
    ),
  );
  out.push(
    ...duplicates(
      models.map((m) => m.name),
      'model name',
      (i) => ['models', i, 'name'],
      'give each model its own name',
    ),
  );

  providers.forEach((p, i) => {
    if (p.baseUrl !== undefined) {
      const problem = checkUrl(p.baseUrl);
      if (problem) out.push({ path: ['providers', i, 'baseUrl'], message: problem });
    }
    (p.apiKeys ?? []).forEach((ref, j) => {
      const problem = secretRefProblem(ref); // catches what the pattern lets through, e.g. vault:secret/data/#f
      if (problem) out.push({ path: ['providers', i, 'apiKeys', j], message: problem });
    });
    for (const [name, value] of Object.entries(p.headers ?? {})) {
      const path = ['providers', i, 'headers', name];
      if (!HEADER_NAME_RE.test(name))
        out.push({ path, message: 'not a valid header name — use letters, digits and -' });
      else if (CREDENTIAL_HEADERS.has(name.toLowerCase())) {
        out.push({
          path,
          message: 'credentials do not belong in headers — put them in apiKeys as secret references (env:NAME)',
        });
      } else if (/[\r\n\0]/.test(value))
        out.push({ path, message: 'header values must be one line — remove the line breaks' });
    }
  });

  const ids = [...new Set(providers.map((p) => p.id))];
  if (providers.length > 0 && models.length === 0) {
    out.push({
      path: ['models'],
      message:
        `no models configured, so clients could call nothing — add one, e.g. - { name: chat, ` +
        `targets: [{ provider: ${ids[0]}, model: gpt-4o-mini }] }`,
    });
  }
  models.forEach((m, i) => {
    if (m.targets.length === 0) {
      out.push({
        path: ['models', i, 'targets'],
        message:
          `model '${m.name}' has no targets — add at least one, e.g. - { provider: ` +
          `${ids[0] ?? 'main'}, model: gpt-4o-mini }`,
      });
    }
    m.targets.forEach((t, j) => {
      if (ids.includes(t.provider)) return;
      const close = suggest(t.provider, ids);
      const fix =
        ids.length === 0
          ? 'define it under providers'
          : close
            ? `did you mean '${close}'? Known providers: ${ids.join(', ')}`
            : `use one of the known providers: ${ids.join(', ')}`;
      out.push({ path: ['models', i, 'targets', j, 'provider'], message: `unknown provider '${t.provider}' — ${fix}` });
    });
  });
  return out;
}

/** `privacy.custom`: each recognizer has a pattern or terms, a unique name, and a pattern that is safe to run. */
function privacyProblems(raw: RawConfig): ConfigProblem[] {
  const custom = raw.privacy?.custom ?? [];
  const out = duplicates(
    custom.map((c) => c.name),
    'recognizer name',
    (i) => ['privacy', 'custom', i, 'name'],
    'give each recognizer its own name',
  );
  custom.forEach((c, i) => {
    if (c.pattern === undefined && (c.terms ?? []).length === 0) {
      out.push({
        path: ['privacy', 'custom', i],
        message: `recognizer '${c.name}' has neither a pattern nor terms — add pattern: '...' or terms: [...]`,
      });
    }
    if (c.pattern !== undefined) {
      const problem = regexSafetyProblem(c.pattern);
      if (problem)
        out.push({ path: ['privacy', 'custom', i, 'pattern'], message: `recognizer '${c.name}': ${problem}` });
    }
  });
  return out;
}

/** Audit rotation and retention values that would make the trail rotate on every write or purge at once. */
function auditProblems(raw: RawConfig): ConfigProblem[] {
  const audit = raw.audit ?? {};
  const out: ConfigProblem[] = [];
  if (audit.segmentMaxSize !== undefined && parseSize(audit.segmentMaxSize) < 64 * 1024) {
    out.push({
      path: ['audit', 'segmentMaxSize'],
      message: 'must be at least 64kb, or every write would start a new segment — write e.g. 64mb',
    });
  }
  if (audit.segmentMaxAge !== undefined && parseDuration(audit.segmentMaxAge) < 60_000) {
    out.push({ path: ['audit', 'segmentMaxAge'], message: 'must be at least 1m — write e.g. 1d' });
  }
  if (audit.retention !== undefined && parseDuration(audit.retention) < 3_600_000) {
    out.push({
      path: ['audit', 'retention'],
      message:
        'must be at least 1h (records younger than that are never purged) — write e.g. 400d, or ' +
        'leave it out to keep the trail for ever',
    });
  }
  if (audit.purgeInterval !== undefined && parseDuration(audit.purgeInterval) < 60_000) {
    out.push({ path: ['audit', 'purgeInterval'], message: 'must be at least 1m — write e.g. 1h' });
  }
  return out;
}
