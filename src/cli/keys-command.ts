// `parley keys create|list|rotate|revoke`: API key administration (keys.json, or PostgreSQL when configured).

import { parseArgs } from 'node:util';
import type { AuditLog } from '../audit/audit-log.js';
import type { Role } from '../domain/index.js';
import { isParleyError } from '../domain/index.js';
import { parseKeyDuration } from '../security/duration.js';
import { FileKeyStore } from '../compose/file-key-store.js';
import { effectiveKeyState, type KeyRecord, type KeyStore } from '../security/key-store.js';

/** What the command needs from the caller (the CLI entry point or a test). */
export interface KeysCommandDeps {
  /** The data directory holding keys.json. */
  dataDir: string;
  /** Opens the key store (PostgreSQL when configured); default: keys.json in `dataDir`. */
  openStore?: () => Promise<KeyStore>;
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  clock?: () => number;
  /** When given, key.created / key.rotated / key.revoked events are recorded. */
  audit?: AuditLog;
}

const USAGE = `Usage:
  parley keys create --name NAME --role user|auditor|admin [--owner OWNER] [--expires-in 30d] [--json]
  parley keys list [--json]
  parley keys rotate ID [--grace 24h] [--json]
  parley keys revoke ID`;

function parseKeysArgs(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      name: { type: 'string' },
      role: { type: 'string' },
      owner: { type: 'string' },
      'expires-in': { type: 'string' },
      grace: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
}

const iso = (ms: number | undefined): string => (ms === undefined ? '-' : new Date(ms).toISOString());

/**
 * Runs `parley keys ...`; resolves to the exit code (0 ok, 1 failed, 2 usage error). Secrets are printed once, on
 * create/rotate only.
 */
export async function keysCommand(args: string[], deps: KeysCommandDeps): Promise<number> {
  const out = deps.stdout ?? ((text: string) => void process.stdout.write(`${text}\n`));
  const err = deps.stderr ?? ((text: string) => void process.stderr.write(`${text}\n`));
  const clock = deps.clock ?? Date.now;
  const [sub, ...rest] = args;
  let parsed: ReturnType<typeof parseKeysArgs>;
  try {
    parsed = parseKeysArgs(rest);
  } catch (error) {
    err(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const usage = (problem: string): number => (err(`${problem}\n${USAGE}`), 2);
  const record = (action: string, id: string, details?: Record<string, string | number | boolean>) =>
    deps.audit?.append({
      requestId: 'cli',
      principalId: 'cli:local',
      role: 'admin',
      action,
      resource: `key:${id}`,
      outcome: 'success',
      details,
    });

  let store: KeyStore | undefined;
  const openStore = deps.openStore ?? (() => FileKeyStore.open({ dataDir: deps.dataDir, clock }));
  try {
    switch (sub) {
      case 'create': {
        if (!values.name) return usage('keys create needs --name');
        if (!values.role) return usage('keys create needs --role (user, auditor or admin)');
        const expiresAt = values['expires-in']
          ? clock() + parseKeyDuration(values['expires-in'], '--expires-in')
          : undefined;
        store = await openStore();
        const { record: key, secret } = await store.create({
          name: values.name,
          role: values.role as Role,
          owner: values.owner,
          expiresAt,
        });
        record('key.created', key.id, { role: key.role });
        if (values.json) out(JSON.stringify({ ...publicView(key, clock()), secret }));
        else
          out(
            `Created ${key.id} (name "${key.name}", role ${key.role}, owner ${key.owner}, expires ` +
              `${iso(key.expiresAt)})\nSecret, shown only now; store it in your secret manager:\n${secret}`,
          );
        return 0;
      }
      case 'list': {
        store = await openStore();
        const keys = (await store.list()).map((k) => publicView(k, clock()));
        if (values.json) out(JSON.stringify(keys));
        else out(table(keys));
        return 0;
      }
      case 'rotate': {
        if (positionals.length !== 1) return usage('keys rotate needs exactly one key id');
        const graceMs = parseKeyDuration(values.grace ?? '24h', '--grace');
        store = await openStore();
        const { record: key, secret, previous } = await store.rotate(positionals[0], graceMs);
        record('key.rotated', previous.id, { replacedBy: key.id, graceMs });
        if (values.json)
          out(JSON.stringify({ ...publicView(key, clock()), secret, previous: publicView(previous, clock()) }));
        else
          out(
            `Rotated ${previous.id} → ${key.id}; the old key keeps working until ` +
              `${iso(previous.graceUntil)}\nNew secret, shown only now:\n${secret}`,
          );
        return 0;
      }
      case 'revoke': {
        if (positionals.length !== 1) return usage('keys revoke needs exactly one key id');
        store = await openStore();
        const key = await store.revoke(positionals[0]);
        record('key.revoked', key.id);
        out(`Revoked ${key.id} ("${key.name}"); it is refused from now on`);
        return 0;
      }
      case undefined:
      case 'help':
      case '--help':
        out(USAGE);
        return sub === undefined ? 2 : 0;
      default:
        return usage(`Unknown keys command "${sub}"`);
    }
  } catch (error) {
    err(isParleyError(error) || error instanceof Error ? error.message : String(error));
    return 1;
  } finally {
    await store?.close();
    await deps.audit?.flush().catch((error: Error) => err(`audit trail: ${error.message}`));
  }
}

interface PublicKeyView {
  id: string;
  name: string;
  role: Role;
  owner: string;
  state: string;
  createdAt: string;
  expiresAt?: string;
  graceUntil?: string;
  replacedBy?: string;
}

/** Everything about a key except its hash (no use to a reader, and one less thing to leak). */
function publicView(key: KeyRecord, now: number): PublicKeyView {
  const view: PublicKeyView = {
    id: key.id,
    name: key.name,
    role: key.role,
    owner: key.owner,
    state: effectiveKeyState(key, now),
    createdAt: iso(key.createdAt),
  };
  if (key.expiresAt !== undefined) view.expiresAt = iso(key.expiresAt);
  if (key.graceUntil !== undefined) view.graceUntil = iso(key.graceUntil);
  if (key.replacedBy !== undefined) view.replacedBy = key.replacedBy;
  return view;
}

function table(keys: PublicKeyView[]): string {
  if (keys.length === 0) return 'No keys yet; create one with: parley keys create --name NAME --role user';
  const rows = [
    ['ID', 'NAME', 'ROLE', 'OWNER', 'STATE', 'CREATED', 'EXPIRES'],
    ...keys.map((k) => [k.id, k.name, k.role, k.owner, k.state, k.createdAt, k.expiresAt ?? k.graceUntil ?? '-']),
  ];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
