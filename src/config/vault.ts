// Reads one field of a HashiCorp Vault KV v2 secret over HTTP (GET /v1/<mount>/data/<path>).

/** Where and how to reach Vault. */
export interface VaultClientOptions {
  address: string;
  /** Returns the current token (it may be rotated, e.g. a file written by a Vault agent). */
  token: () => Promise<string>;
  namespace?: string;
  fetch: typeof fetch;
}

/** A Vault read that failed; the message never contains the token or a secret value. */
export class VaultError extends Error {
  override readonly name = 'VaultError';
}

/** Fetches `data.data[field]` of the KV v2 secret at `<mount>/<path>`. */
export async function readVaultField(
  opts: VaultClientOptions,
  mount: string,
  path: string,
  field: string,
): Promise<string> {
  const where = `${mount}/${path}`;
  const url = `${opts.address.replace(/\/+$/, '')}/v1/${encodeURIComponent(mount)}/data/${path.split('/').map(encodeURIComponent).join('/')}`;
  const headers: Record<string, string> = { 'X-Vault-Token': await opts.token(), accept: 'application/json' };
  if (opts.namespace) headers['X-Vault-Namespace'] = opts.namespace;
  let res: Response;
  try {
    res = await opts.fetch(url, { method: 'GET', headers, signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
    throw new VaultError(
      `vault: cannot reach ${opts.address} reading ${where} (${cause}) — check VAULT_ADDR and the network`,
    );
  }
  if (res.status === 403) {
    await res.body?.cancel();
    throw new VaultError(
      `vault: permission denied reading ${where} (403) — check that VAULT_TOKEN is valid and its ` +
        `policy allows read on ${mount}/data/${path}`,
    );
  }
  if (res.status === 404) {
    await res.body?.cancel();
    throw new VaultError(
      `vault: no secret at ${where} (404) — check the path and that a KV v2 engine is mounted at ${mount}/`,
    );
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new VaultError(`vault: unexpected status ${res.status} reading ${where} — check the Vault server`);
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    throw new VaultError(`vault: the answer for ${where} is not JSON — check that VAULT_ADDR points at Vault`);
  }
  const data = (body as { data?: { data?: unknown } } | null)?.data?.data;
  if (typeof data !== 'object' || data === null) {
    throw new VaultError(
      `vault: ${where} has no KV v2 data (deleted version, or a KV v1 mount?) — check the engine version and path`,
    );
  }
  const record = data as Record<string, unknown>;
  const value = record[field];
  if (value === undefined || value === null) {
    const fields = Object.keys(record);
    throw new VaultError(
      `vault: field '${field}' not found in ${where} — available ` +
        `fields: ${fields.length ? fields.join(', ') : '(none)'}`,
    );
  }
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw new VaultError(`vault: field '${field}' of ${where} is not a string — store the secret as a plain string`);
  }
  const text = String(value);
  if (text === '') throw new VaultError(`vault: field '${field}' of ${where} is empty — store a value`);
  return text;
}
