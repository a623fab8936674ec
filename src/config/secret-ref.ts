// Secret references (`env:NAME`, `file:/abs/path`, `vault:mount/path#field`): parsing and literal detection.

import type { SecretRef } from './types.js';

/** A parsed secret reference. */
export type ParsedSecretRef =
  | { kind: 'env'; name: string }
  | { kind: 'file'; path: string }
  | { kind: 'vault'; mount: string; path: string; field: string };

/** The accepted shapes, for the schema: env:NAME | file:/absolute/path | vault:mount/path#field. */
export const SECRET_REF_PATTERN = '^(env:[A-Za-z_][A-Za-z0-9_]*|file:/.+|vault:[^/#\\s]+/[^#\\s]+#[^#\\s]+)$';

const ENV_RE = /^env:([A-Za-z_][A-Za-z0-9_]*)$/;
const FILE_RE = /^file:(\/.+)$/;
const VAULT_RE = /^vault:([^/#\s]+)\/([^#\s]+)#([^#\s]+)$/;

/**
 * Prefixes of well-known credential formats (OpenAI, Anthropic, Parley, GitHub, Slack, AWS, Google, JWTs,
 * bearer headers). A value that starts with one of these was pasted in as a literal.
 */
const LITERAL_SECRET_RE =
  /^(sk-|sk_|sk-ant-|sk-proj-|prl_|pk_|rk_|ghp_|gho_|ghs_|github_pat_|glpat-|xox[abprs]-|AKIA|ASIA|AIza|eyJ|Bearer\s|Basic\s|hf_|gsk_|r8_)/;

/** True if the value looks like a pasted credential rather than a reference. */
export function looksLikeLiteralSecret(value: string): boolean {
  if (LITERAL_SECRET_RE.test(value)) return true;
  // Long unbroken random-looking tokens without a scheme are literals too.
  return !value.includes(':') && value.length >= 24 && /^[A-Za-z0-9_\-+/=.]+$/.test(value);
}

/** Parses a reference; returns undefined if it is not one of the accepted shapes. */
export function parseSecretRef(ref: SecretRef): ParsedSecretRef | undefined {
  const env = ENV_RE.exec(ref);
  if (env) return { kind: 'env', name: env[1] as string };
  const file = FILE_RE.exec(ref);
  if (file) return { kind: 'file', path: file[1] as string };
  const vault = VAULT_RE.exec(ref);
  if (vault) {
    // Accept both `secret/data/app` (the KV v2 API path) and `secret/app` (the CLI path).
    const rest = vault[2] as string;
    const path = rest.startsWith('data/') ? rest.slice('data/'.length) : rest;
    if (path === '') return undefined;
    return { kind: 'vault', mount: vault[1] as string, path, field: vault[3] as string };
  }
  return undefined;
}

/**
 * Explains why a value is not an acceptable secret reference, as "problem — fix", or returns undefined if it is.
 * Never repeats the value itself: it may be a real credential.
 */
export function secretRefProblem(value: string): string | undefined {
  if (parseSecretRef(value)) return undefined;
  if (looksLikeLiteralSecret(value)) {
    return (
      'secrets must be references like env:OPENAI_KEY, never literals — put the key in an ' +
      'environment variable or file and write env:NAME or file:/path'
    );
  }
  if (value.startsWith('file:')) return 'a file reference needs an absolute path — write file:/run/secrets/name';
  if (value.startsWith('vault:'))
    return 'a vault reference needs a path and a field — write vault:secret/data/app#field';
  if (value.startsWith('env:'))
    return 'an env reference needs a variable name of letters, digits and _ — write env:NAME';
  return 'not a secret reference — write env:NAME, file:/absolute/path or vault:mount/path#field';
}
