// `parley audit verify|query|keygen`: check the trail's integrity, search it, make a checkpoint signing key.

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { KeyObject } from 'node:crypto';
import { DEFAULT_AUDIT_FILE_NAME } from '../audit/audit-log.js';
import type { AuditOutcome } from '../audit/audit-event.js';
import { queryAudit } from '../audit/query.js';
import { generateAuditSigningKeys, loadAuditPublicKey } from '../audit/signing-key.js';
import { parseCheckpointAnchor, verifyAuditStorage, type AuditFault } from '../audit/verify.js';
import { auditFileReader, verifyAuditFile } from '../compose/audit-file.js';
import type { AuditStorage, PurgeResult } from '../store/audit-storage.js';

/** What the command needs from the caller. */
export interface AuditCommandDeps {
  /** The data directory; the trail defaults to `<dataDir>/audit.jsonl`. */
  dataDir: string;
  /** The configured trail when it is not the file (PostgreSQL); `--file` still reads a file. */
  storage?: AuditStorage;
  /** How to name `storage` in messages, e.g. `postgres schema parley`. */
  storageLabel?: string;
  /**
   * Retention purge (`parley audit purge`): table rows, or whole sealed segments of the file trail; absent: not
   * available.
   */
  purge?: (before: Date) => Promise<PurgeResult>;
  /** `audit.retention`: the default cut-off of `purge` is now minus this. */
  retentionMs?: number;
  clock?: () => number;
  /**
   * The checkpoint public key: a PEM path, `file:/path`, inline PEM, or any reference `resolveSecret` understands
   * (env:, vault:).
   */
  publicKeyRef?: string;
  /** Resolves secret references other than file paths (config/secrets.ts); only process.env readers live in config/. */
  resolveSecret?: (ref: string) => Promise<string>;
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
}

const USAGE = `Usage:
  parley audit verify [--file FILE] [--public-key PEM_FILE] [--max-unsigned N] [--expect-checkpoint SEQ:HASH] [--json]
  parley audit query [--file FILE] [--since ISO] [--until ISO] [--action A|prefix.] [--principal ID] [--outcome success|failure|denied] [--limit 50]
  parley audit purge [--before ISO]          (default: now minus audit.retention; PostgreSQL: run with the retention role, see docs/retention.md)
  parley audit keygen --out DIR`;

function parseAuditArgs(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: false,
    strict: true,
    options: {
      file: { type: 'string' },
      'public-key': { type: 'string' },
      'max-unsigned': { type: 'string' },
      'expect-checkpoint': { type: 'string' },
      json: { type: 'boolean', default: false },
      since: { type: 'string' },
      until: { type: 'string' },
      action: { type: 'string' },
      principal: { type: 'string' },
      outcome: { type: 'string' },
      limit: { type: 'string' },
      out: { type: 'string' },
      before: { type: 'string' },
    },
  });
}

/** How `verify` names each fault, and its exit code (0 intact, 2 usage error). */
const VERDICT: Record<AuditFault, string> = {
  tampered: 'TAMPERED',
  torn: 'TORN',
  'missing-segment': 'MISSING',
  'segment-mismatch': 'REPLACED',
};
const EXIT_CODE: Record<AuditFault, number> = { tampered: 1, torn: 3, 'missing-segment': 4, 'segment-mismatch': 5 };

/**
 * Runs `parley audit ...`; resolves to the exit code: 0 intact/ok, 1 tampered or failed, 2 usage error, 3 torn
 * last line (a crash, not tampering), 4 a segment is missing (between two, or the first ones without an audited
 * purge), 5 a segment does not continue its predecessor (renamed, reordered or replaced).
 */
export async function auditCommand(args: string[], deps: AuditCommandDeps): Promise<number> {
  const out = deps.stdout ?? ((text: string) => void process.stdout.write(`${text}\n`));
  const err = deps.stderr ?? ((text: string) => void process.stderr.write(`${text}\n`));
  const [sub, ...rest] = args;
  let values: ReturnType<typeof parseAuditArgs>['values'];
  try {
    ({ values } = parseAuditArgs(rest));
  } catch (error) {
    err(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const storage = values.file === undefined ? deps.storage : undefined;
  const file = storage
    ? (deps.storageLabel ?? storage.backend)
    : (values.file ?? join(deps.dataDir, DEFAULT_AUDIT_FILE_NAME));
  try {
    switch (sub) {
      case 'verify': {
        const ref = values['public-key'] ?? deps.publicKeyRef;
        const publicKey = ref ? await loadPublicKey(ref, deps.resolveSecret) : undefined;
        const maxUnsigned = values['max-unsigned'] === undefined ? undefined : Number(values['max-unsigned']);
        if (maxUnsigned !== undefined && !(Number.isInteger(maxUnsigned) && maxUnsigned > 0)) {
          err(`--max-unsigned must be a positive whole number, got "${values['max-unsigned']}"`);
          return 2;
        }
        const anchorText = values['expect-checkpoint'];
        const expectCheckpoint = anchorText === undefined ? undefined : parseCheckpointAnchor(anchorText);
        if (anchorText !== undefined && expectCheckpoint === undefined) {
          err(
            `--expect-checkpoint must be SEQ:HASH as "parley audit verify" prints it after "last ` +
              `checkpoint", got "${anchorText}"`,
          );
          return 2;
        }
        const options = { maxUnsigned, expectCheckpoint };
        const result = storage
          ? await verifyAuditStorage(storage, publicKey, options)
          : await verifyAuditFile(file, publicKey, options);
        if (values.json) out(JSON.stringify({ file, ...result }));
        else if (result.ok) {
          const sigs = result.signaturesChecked
            ? 'all checkpoint signatures valid'
            : 'signatures NOT checked (pass --public-key)';
          const tail =
            result.unsignedTail > 0 ? `; the last ${result.unsignedTail} records are chained but not yet signed` : '';
          const segments = result.segments ? ` in ${result.segments} files (sealed segments and the active file)` : '';
          const anchor = result.lastCheckpoint
            ? `; last checkpoint ${result.lastCheckpoint.seq}:${result.lastCheckpoint.hash}`
            : '';
          const start = result.firstSeq
            ? `; it starts at seq ${result.firstSeq}, where an audited retention purge left it`
            : '';
          out(
            `OK ${file}: ${result.records} records, ${result.checkpoints} ` +
              `checkpoints${segments}, ${sigs}${tail}${start}${anchor}`,
          );
        } else {
          const where = result.segment
            ? `${result.segment} ${storage?.unit ?? 'line'} ${result.line}`
            : `${storage?.unit ?? 'line'} ${result.line}`;
          out(
            result.torn
              ? `TORN ${file}: ${result.reason}`
              : `${VERDICT[result.fault]} ${file}: first bad ${where}: ${result.reason}`,
          );
        }
        return result.ok ? 0 : EXIT_CODE[result.fault];
      }
      case 'query': {
        const limit = values.limit === undefined ? 50 : Number(values.limit);
        if (!Number.isInteger(limit) || limit < 1) {
          err(`--limit must be a positive whole number, got "${values.limit}"`);
          return 2;
        }
        const outcome = values.outcome as AuditOutcome | undefined;
        if (outcome !== undefined && !['success', 'failure', 'denied'].includes(outcome)) {
          err(`--outcome must be success, failure or denied, got "${outcome}"`);
          return 2;
        }
        const records = await queryAudit(storage ?? auditFileReader(file), {
          since: values.since,
          until: values.until,
          action: values.action,
          principalId: values.principal,
          outcome,
          limit,
        });
        for (const record of records) out(JSON.stringify(record));
        return 0;
      }
      case 'purge': {
        const now = (deps.clock ?? Date.now)();
        const before =
          values.before !== undefined
            ? Date.parse(values.before)
            : deps.retentionMs !== undefined
              ? now - deps.retentionMs
              : Number.NaN;
        if (Number.isNaN(before)) {
          err(
            `audit purge needs --before with an ISO 8601 time, e.g. 2025-01-01T00:00:00Z (or ` +
              `audit.retention in the configuration)\n${USAGE}`,
          );
          return 2;
        }
        if (values.file !== undefined) {
          err(
            'audit purge acts on the configured trail (the data directory, or state.postgres); --file ' +
              'is for verify and query',
          );
          return 2;
        }
        if (!deps.purge) {
          err('audit purge is not available for this trail');
          return 2;
        }
        const cutoff = new Date(before).toISOString();
        const result = await deps.purge(new Date(before));
        if (result.segments?.length === 0)
          out(`Nothing purged from ${file}: no sealed segment holds only records older than ${cutoff}`);
        else if (result.segments) {
          out(
            `Purged ${result.segments.length} segments (${result.deleted} lines, seq ` +
              `${result.segments[0].firstSeq} to ${result.firstKeptSeq - 1}) older than ${cutoff} from ` +
              `${file}: ${result.segments.map((s) => s.name).join(', ')}; the trail now starts at seq ` +
              `${result.firstKeptSeq}, and each purged segment is recorded on it`,
          );
        } else
          out(
            `Purged ${result.deleted} records older than ${cutoff} from ${file}; the trail now starts ` +
              `at seq ${result.firstKeptSeq}, and the purge itself is recorded on it`,
          );
        return 0;
      }
      case 'keygen': {
        if (!values.out) {
          err(`audit keygen needs --out DIR\n${USAGE}`);
          return 2;
        }
        await mkdir(values.out, { recursive: true, mode: 0o700 });
        const { privatePem, publicPem } = generateAuditSigningKeys();
        const privatePath = join(values.out, 'audit-signing-key.pem');
        const publicPath = join(values.out, 'audit-signing-key.pub.pem');
        await writeFile(privatePath, privatePem, { mode: 0o600, flag: 'wx' });
        await writeFile(publicPath, publicPem, { mode: 0o644, flag: 'wx' });
        out(
          `Wrote ${privatePath} (keep secret; point the server's audit signing key at it)\nWrote ` +
            `${publicPath} (give it to auditors: parley audit verify --public-key ${publicPath})`,
        );
        return 0;
      }
      case undefined:
      case 'help':
      case '--help':
        out(USAGE);
        return sub === undefined ? 2 : 0;
      default:
        err(`Unknown audit command "${sub}"\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (sub === 'purge' && e.code === 'store_busy') {
      err(
        `${e.message.replace(/; retry in a moment$/, '')}. A running server purges the segments ` +
          `older than audit.retention itself, at start and every audit.purgeInterval; stop it to purge by hand`,
      );
      return 1;
    }
    err(
      e.code === 'ENOENT'
        ? `No such file: ${e.path ?? file}; pass --file or check the data directory`
        : e.code === 'EEXIST'
          ? `${e.path} already exists; choose another --out or move the old key aside`
          : e.message,
    );
    return 1;
  }
}

async function loadPublicKey(ref: string, resolveSecret?: (ref: string) => Promise<string>): Promise<KeyObject> {
  let pem: string;
  if (ref.includes('-----BEGIN')) pem = ref;
  else if (ref.startsWith('file:')) pem = await readFile(ref.slice(5), 'utf8');
  else if (/^[a-z]+:/.test(ref) && !/^[A-Za-z]:[\\/]/.test(ref)) {
    if (!resolveSecret)
      throw new Error(`Cannot resolve "${ref.split(':')[0]}:" references here; pass --public-key with a PEM file path`);
    pem = await resolveSecret(ref);
  } else pem = await readFile(ref, 'utf8');
  return loadAuditPublicKey(pem);
}
