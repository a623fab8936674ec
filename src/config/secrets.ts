// Resolves secret references (env:, file:, vault:) and keeps file and Vault secrets current as they rotate.

import { readFile } from 'node:fs/promises';
import { watchPath } from './file-watch.js';
import { parseSecretRef, type ParsedSecretRef } from './secret-ref.js';
import type { SecretRef } from './types.js';
import { readVaultField } from './vault.js';

export { VaultError } from './vault.js';

/** A reference that cannot be resolved; the message names the reference, never the secret. */
export class SecretError extends Error {
  override readonly name = 'SecretError';
}

/** Options of createSecretResolver. */
export interface SecretResolverOptions {
  /** Environment for env: references and VAULT_ADDR / VAULT_TOKEN / VAULT_NAMESPACE (defaults to process.env). */
  env?: NodeJS.ProcessEnv;
  /** HTTP client for Vault (defaults to the global fetch). */
  fetch?: typeof fetch;
  /** Vault connection; defaults to env VAULT_ADDR, VAULT_TOKEN and VAULT_NAMESPACE. The token may be a reference. */
  vault?: { address: string; token: SecretRef | string; namespace?: string };
  /** How often watched Vault secrets are re-read (default 5 min). */
  vaultRefreshMs?: number;
  /** Debounce of file change events (default 50 ms). */
  fileDebounceMs?: number;
  /** Called when re-reading a watched secret fails; the previous value stays in use. */
  onError?: (err: Error, ref: SecretRef) => void;
}

/** Resolves and watches secret references. */
export interface SecretResolver {
  /** Reads the current value of a reference. */
  resolve(ref: SecretRef): Promise<string>;
  /** Calls `onChange` with the new value whenever a file or Vault secret changes; returns an unsubscribe function. */
  watch(ref: SecretRef, onChange: (value: string) => void): () => void;
  /** Resolves once, then returns a synchronous getter of the current value (no I/O per call). */
  getter(ref: SecretRef): Promise<() => string>;
  /** Stops every watcher and timer. */
  close(): void;
}

interface Entry {
  value: string | undefined;
  listeners: Set<(value: string) => void>;
  pinned: boolean;
  queue: Promise<void>;
  stop: () => void;
}

const TOKEN_REF_RE = /^(env|file):/;

/** Creates a resolver for `env:NAME`, `file:/path` and `vault:mount/path#field` references. */
export function createSecretResolver(opts: SecretResolverOptions = {}): SecretResolver {
  const env = opts.env ?? process.env;
  const doFetch = opts.fetch ?? fetch;
  const entries = new Map<SecretRef, Entry>();

  const parse = (ref: SecretRef): ParsedSecretRef => {
    const parsed = parseSecretRef(ref);
    if (!parsed)
      throw new SecretError(
        'not a secret reference — expected env:NAME, file:/absolute/path or vault:mount/path#field',
      );
    return parsed;
  };

  const vaultSettings = () => {
    const address = opts.vault?.address ?? env.VAULT_ADDR;
    const token = opts.vault?.token ?? env.VAULT_TOKEN;
    const namespace = opts.vault?.namespace ?? env.VAULT_NAMESPACE;
    if (!address)
      throw new SecretError(
        'vault: VAULT_ADDR is not set — set VAULT_ADDR (e.g. https://vault.internal:8200) and VAULT_TOKEN',
      );
    if (!token)
      throw new SecretError(
        'vault: VAULT_TOKEN is not set — set VAULT_TOKEN (or a reference such as file:/vault/token)',
      );
    return { address, token, namespace };
  };

  async function load(ref: SecretRef, parsed: ParsedSecretRef): Promise<string> {
    if (parsed.kind === 'env') {
      const value = env[parsed.name];
      if (value === undefined || value === '')
        throw new SecretError(`${ref}: environment variable ${parsed.name} is not set or empty — set it`);
      return value;
    }
    if (parsed.kind === 'file') {
      let text: string;
      try {
        text = await readFile(parsed.path, 'utf8');
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? 'error';
        throw new SecretError(`${ref}: cannot read the file (${code}) — check the path and its permissions`);
      }
      const value = text.replace(/[\r\n]+$/, '');
      if (value === '') throw new SecretError(`${ref}: the file is empty — write the secret into it`);
      return value;
    }
    const vault = vaultSettings();
    const token = vault.token;
    return readVaultField(
      {
        address: vault.address,
        namespace: vault.namespace,
        fetch: doFetch,
        token: async () => (TOKEN_REF_RE.test(token) ? load(token, parse(token)) : token),
      },
      parsed.mount,
      parsed.path,
      parsed.field,
    );
  }

  const resolve = (ref: SecretRef): Promise<string> => {
    try {
      return load(ref, parse(ref));
    } catch (err) {
      return Promise.reject(err as Error);
    }
  };

  /** The shared watcher of one reference; `value` is undefined until the first read. */
  function entryFor(ref: SecretRef, parsed: ParsedSecretRef, initial?: string): Entry {
    const existing = entries.get(ref);
    if (existing) return existing;
    const entry: Entry = {
      value: initial,
      listeners: new Set(),
      pinned: false,
      queue: Promise.resolve(),
      stop: () => undefined,
    };
    const refresh = () => {
      entry.queue = entry.queue.then(async () => {
        try {
          const value = await load(ref, parsed);
          if (entry.value === undefined) entry.value = value;
          else if (value !== entry.value) {
            entry.value = value;
            for (const listener of [...entry.listeners]) listener(value);
          }
        } catch (err) {
          opts.onError?.(err as Error, ref);
        }
      });
    };
    if (parsed.kind === 'file') {
      entry.stop = watchPath(parsed.path, refresh, { debounceMs: opts.fileDebounceMs });
    } else if (parsed.kind === 'vault') {
      const timer = setInterval(refresh, opts.vaultRefreshMs ?? 300_000);
      timer.unref();
      entry.stop = () => clearInterval(timer);
    }
    entries.set(ref, entry);
    if (initial === undefined) refresh(); // establishes the baseline that later reads compare with
    return entry;
  }

  const release = (ref: SecretRef, entry: Entry) => {
    if (entry.pinned || entry.listeners.size > 0) return;
    entry.stop();
    entries.delete(ref);
  };

  return {
    resolve,
    watch(ref, onChange) {
      const parsed = parse(ref);
      if (parsed.kind === 'env') return () => undefined; // the environment of a running process does not change
      const entry = entryFor(ref, parsed);
      entry.listeners.add(onChange);
      return () => {
        entry.listeners.delete(onChange);
        release(ref, entry);
      };
    },
    async getter(ref) {
      const parsed = parse(ref);
      const first = await load(ref, parsed);
      if (parsed.kind === 'env') return () => first;
      const entry = entryFor(ref, parsed, first);
      entry.pinned = true;
      if (entry.value === undefined) entry.value = first;
      return () => entry.value ?? first;
    },
    close() {
      for (const entry of entries.values()) entry.stop();
      entries.clear();
    },
  };
}
