// Picks the durable stores (API keys, audit trail) from `state.postgres`: files in the data directory, or PostgreSQL.

import { join } from 'node:path';
import type { Logger } from 'pino';
import { createAuditLog, DEFAULT_AUDIT_FILE_NAME, type AuditLog } from '../audit/audit-log.js';
import { loadAuditPrivateKey } from '../audit/signing-key.js';
import { AUDIT_SPOOL_FILE_NAME, AuditSpool } from '../audit/spool.js';
import type { SecretResolver } from '../config/secrets.js';
import type { ParleyConfig } from '../config/types.js';
import type { Metrics } from '../observability/metrics.js';
import { diffKeyRecords } from '../security/key-changes.js';
import { ManagedKeyStore } from '../security/key-manager.js';
import { purgeAuditTrail } from '../audit/purge.js';
import { signingKeyId } from '../audit/chain.js';
import type { AuditStorage, PurgeResult } from '../store/audit-storage.js';
import { FileAuditStorage, type FileAuditStorageOptions } from '../store/file/audit-file-storage.js';
import { FileKeyStorage } from '../store/file/key-file-storage.js';
import type { PostgresDatabase, PostgresOptions } from '../store/postgres/database.js';
import type { MigrationReport } from '../store/postgres/migrate.js';
import type { ChangeNotices } from '../store/types.js';

/**
 * Group commit of the audit trail to PostgreSQL: a write at most this long after the first queued event, and this
 * long between writes (a file: 10 ms, and none). Each INSERT costs Parley about the same CPU whatever its rows.
 */
const POSTGRES_COMMIT_DELAY_MS = 50;

/** The durable stores, whichever backend holds them. */
export interface DurableState {
  backend: 'file' | 'postgres';
  keyStore: ManagedKeyStore;
  audit: AuditLog;
  /** The trail for `verify` and `query` (the same storage the writer appends to). */
  auditStorage: AuditStorage;
  /** True once the backend is reachable, migrated and the keys are loaded (files: at once). */
  isReady(): boolean;
  /** Resolves when `isReady()` first turns true. */
  whenReady: Promise<void>;
  /** Retention purge (table rows, or whole sealed segments of the file trail), recorded on the chain. */
  purgeAudit(before: Date, principalId: string): Promise<PurgeResult>;
  /** The pool, when PostgreSQL is in use (tests). */
  database?: PostgresDatabase;
  close(): Promise<void>;
}

/** What the factory needs besides the configuration. */
export interface DurableStateOptions {
  secrets: SecretResolver;
  logger?: Logger;
  metrics?: Metrics;
  /** Key changes between replicas (Redis when configured); absent: periodic resync only. */
  notices?: ChangeNotices;
  /** `server`: watch, resync, spool and retry until reachable; `cli`: one attempt, fail loudly. */
  mode: 'server' | 'cli';
  /** Resync interval of the key cache (server mode). Default 30 s. */
  keyResyncMs?: number;
  /** First and longest pause between connection attempts at start (server mode). Default 500 ms and 30 s. */
  retryMs?: { first: number; max: number };
}

/** Opens the durable stores picked by `config.state.postgres`; with no `state`, the files of today. */
export async function openDurableState(config: ParleyConfig, options: DurableStateOptions): Promise<DurableState> {
  const { logger, metrics, mode } = options;
  const signingKey = config.audit.signingKey
    ? loadAuditPrivateKey(await options.secrets.resolve(config.audit.signingKey))
    : undefined;
  const auditBase = {
    signingKey,
    checkpointEvery: config.audit.checkpointEvery,
    addressPrefixes: { ipv4: config.audit.ipv4Prefix, ipv6: config.audit.ipv6Prefix },
    onError: (error: Error) => logger?.error({ err: error.message }, 'audit trail write failed; events stay queued'),
  };
  const sealSettings = {
    signingKey,
    keyId: signingKey && signingKeyId(signingKey),
    every: config.audit.checkpointEvery,
    now: () => new Date().toISOString(),
  };
  const purgeFrom = (storage: AuditStorage) => (before: Date, principalId: string) =>
    purgeAuditTrail(storage, before, sealSettings, principalId);
  const pgConfig = config.state.postgres;
  if (!pgConfig) {
    const auditStorage = fileAuditStorage(config, {
      onRotate: (segment) =>
        logger?.info({ segment }, 'audit trail rotated: the active file was sealed into a segment'),
    });
    const audit = createAuditLog({ storage: auditStorage, ...auditBase });
    const keyStore = await ManagedKeyStore.open({
      storage: await FileKeyStorage.open(config.dataDir),
      watch: mode === 'server',
      onReloadError: (error) =>
        logger?.error({ err: error }, 'reloading keys.json failed; the previous keys stay in force'),
      // Changes made with the `parley keys` command reach the server through the file: audit them here.
      onExternalChange: (before, after) => {
        for (const change of diffKeyRecords(before, after)) {
          audit.append({
            requestId: 'keys-file',
            action: change.action,
            outcome: 'success',
            resource: `key:${change.id}`,
            details: { role: change.role, via: 'cli' },
          });
        }
      },
    });
    const purgeAudit = (before: Date, principalId: string) =>
      audit.flush().then(() => purgeFrom(auditStorage)(before, principalId));
    const retention =
      mode === 'server' && config.audit.retentionMs !== undefined
        ? scheduleRetention(config.audit.retentionMs, config.audit.purgeIntervalMs, purgeAudit, logger)
        : undefined;
    const close = async (): Promise<void> => {
      await retention?.stop();
      await Promise.all([keyStore.close(), audit.close()]);
    };
    return {
      backend: 'file',
      keyStore,
      audit,
      auditStorage,
      purgeAudit,
      isReady: () => true,
      whenReady: Promise.resolve(),
      close,
    };
  }

  // node-postgres is loaded only when PostgreSQL is configured.
  const [{ PostgresDatabase, reasonOf }, { migrate }, { PostgresAuditStorage }, { PostgresKeyStorage }] =
    await Promise.all([
      import('../store/postgres/database.js'),
      import('../store/postgres/migrate.js'),
      import('../store/postgres/audit-storage.js'),
      import('../store/postgres/key-storage.js'),
    ]);
  const connection: PostgresOptions = {
    url: await options.secrets.resolve(pgConfig.url),
    schema: pgConfig.schema,
    queryTimeoutMs: pgConfig.queryTimeoutMs,
    poolSize: pgConfig.poolSize,
    ...(pgConfig.tls ? { ssl: await postgresTls(pgConfig.tls, options.secrets) } : {}),
    observer: metrics && {
      observe: (backend, operation, seconds, ok) => metrics.observeStoreCall(backend, operation, seconds, ok),
      reachability: (backend, reachable, reason) => {
        metrics.setStoreUp(backend, reachable);
        if (reachable) logger?.info({ store: backend }, 'PostgreSQL reachable');
        else logger?.warn({ store: backend, reason }, 'PostgreSQL not reachable');
      },
    },
    onIdleError: (error) => logger?.warn({ store: 'postgres', reason: reasonOf(error) }, 'PostgreSQL connection lost'),
  };
  const database = new PostgresDatabase(connection);
  const auditStorage = new PostgresAuditStorage(database);
  const spool =
    mode === 'server'
      ? await AuditSpool.open(join(config.dataDir, AUDIT_SPOOL_FILE_NAME), config.audit.spoolMaxEvents)
      : undefined;
  const audit = createAuditLog({
    storage: auditStorage,
    spool,
    onSpoolDepth: (depth, capacity) => metrics?.setAuditSpool(depth, capacity),
    commitDelayMs: POSTGRES_COMMIT_DELAY_MS,
    commitPaceMs: POSTGRES_COMMIT_DELAY_MS,
    ...auditBase,
  });
  const keyStore = await ManagedKeyStore.open({
    storage: new PostgresKeyStorage(database),
    loadNow: false,
    notices: options.notices,
    resyncIntervalMs: mode === 'server' ? (options.keyResyncMs ?? 30_000) : 0,
    onReloadError: (error) =>
      logger?.warn(
        { store: 'postgres', reason: error.message },
        'API key resync failed; the cached keys stay in force',
      ),
  });

  let ready = false;
  let closing = false;
  const connect = async (): Promise<void> => {
    const report = await migrate(connection, (m) =>
      logger?.info(
        { store: 'postgres', migration: `${String(m.version).padStart(3, '0')}-${m.name}`, schema: pgConfig.schema },
        'PostgreSQL migration applied',
      ),
    );
    if (report.unknown.length > 0)
      logger?.warn(
        { store: 'postgres', unknown: report.unknown },
        'the database has migrations this Parley does not know: a newer release migrated it',
      );
    if (mode === 'server') await keyStore.reload(); // the CLI reads keys on demand (a retention role may not see them)
    ready = true;
  };
  const whenReady =
    mode === 'cli'
      ? connect()
      : retryUntil(
          connect,
          () => closing,
          options.retryMs ?? { first: 500, max: 30_000 },
          (error, attempt, waitMs) => {
            metrics?.setStoreUp('postgres', false);
            // A schema a newer release contracted is not an outage: say so (the reason names the release it needs).
            const what =
              error instanceof Error && error.name === 'SchemaTooNewError'
                ? 'PostgreSQL schema is newer than this release can run on; retrying'
                : 'PostgreSQL not reachable; retrying';
            logger?.warn({ store: 'postgres', reason: reasonOf(error), attempt, retryInMs: waitMs }, what);
          },
        ).then(() => {
          metrics?.setStoreUp('postgres', true);
          logger?.info({ store: 'postgres', schema: pgConfig.schema }, 'PostgreSQL ready');
          void audit.flush().catch(() => undefined); // events spooled while it was away go first
        });
  whenReady.catch(() => undefined); // rejects only when closed before it was reached; callers awaiting it see that
  if (mode === 'cli')
    await whenReady.catch(async (error: unknown) => {
      await database.close();
      throw error;
    });
  return {
    backend: 'postgres',
    keyStore,
    audit,
    auditStorage,
    purgeAudit: purgeFrom(auditStorage),
    database,
    isReady: () => ready,
    whenReady,
    async close() {
      closing = true;
      await keyStore.close();
      await audit
        .close()
        .catch((error: Error) =>
          logger?.error(
            { err: error.message },
            'audit trail not flushed at close; spooled events wait for the next start',
          ),
        );
      await database.close();
    },
  };
}

/** The file trail in the data directory, rotating as `audit.segmentMaxSize` and `audit.segmentMaxAge` say. */
export function fileAuditStorage(
  config: ParleyConfig,
  options: Omit<FileAuditStorageOptions, 'rotation'> = {},
): FileAuditStorage {
  return new FileAuditStorage(join(config.dataDir, DEFAULT_AUDIT_FILE_NAME), {
    rotation: { maxBytes: config.audit.segmentMaxBytes, maxAgeMs: config.audit.segmentMaxAgeMs },
    ...options,
  });
}

/**
 * `parley audit purge` on the file trail: takes the trail's writer lock (refused at once while a server holds
 * it: the server purges by itself), removes the segments older than `before` and records the purge on the chain.
 */
export async function purgeFileAuditTrail(
  config: ParleyConfig,
  secrets: SecretResolver,
  before: Date,
  principalId: string,
): Promise<PurgeResult> {
  const signingKey = config.audit.signingKey
    ? loadAuditPrivateKey(await secrets.resolve(config.audit.signingKey))
    : undefined;
  const storage = fileAuditStorage(config, { lock: { waitMs: 0 } });
  let failure: Error | undefined;
  const audit = createAuditLog({
    storage,
    signingKey,
    checkpointEvery: config.audit.checkpointEvery,
    commitDelayMs: 0,
    onError: (error) => (failure ??= error),
  });
  try {
    await audit.flush().catch((error: Error) => {
      throw failure ?? error;
    });
    const sealSettings = {
      signingKey,
      keyId: signingKey && signingKeyId(signingKey),
      every: config.audit.checkpointEvery,
      now: () => new Date().toISOString(),
    };
    return await purgeAuditTrail(storage, before, sealSettings, principalId);
  } finally {
    await audit.close().catch(() => undefined);
  }
}

/**
 * Purges at start and every `intervalMs` (unref'd timer, never on a request's path); failures are logged and tried
 * again next time.
 */
function scheduleRetention(
  retentionMs: number,
  intervalMs: number,
  purge: (before: Date, principalId: string) => Promise<PurgeResult>,
  logger?: Logger,
): { stop(): Promise<void> } {
  let running: Promise<void> | undefined;
  const run = (): void => {
    if (running) return;
    const before = new Date(Date.now() - retentionMs);
    running = purge(before, 'parley:retention')
      .then((result) => {
        const segments = result.segments ?? [];
        if (segments.length > 0)
          logger?.info(
            { segments: segments.map((s) => s.name), deleted: result.deleted, firstKeptSeq: result.firstKeptSeq },
            'audit retention purged old segments; the purge is recorded on the trail',
          );
      })
      .catch((error: Error) =>
        logger?.error({ err: error.message }, 'audit retention purge failed; retried at the next interval'),
      )
      .finally(() => {
        running = undefined;
      });
  };
  run();
  const timer = setInterval(run, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

/** Calls `attempt` until it succeeds, waiting longer after each failure (doubling, up to `max`). */
async function retryUntil(
  attempt: () => Promise<void>,
  stop: () => boolean,
  wait: { first: number; max: number },
  onFailure: (error: unknown, attempt: number, waitMs: number) => void,
): Promise<void> {
  let pause = wait.first;
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (stop()) throw error;
      onFailure(error, n, pause);
      await new Promise((resolve) => setTimeout(resolve, pause).unref());
      pause = Math.min(wait.max, pause * 2);
    }
  }
}

type PostgresStateConfig = NonNullable<ParleyConfig['state']['postgres']>;

/** The TLS options of a PostgreSQL connection, the CA resolved from its secret reference. */
async function postgresTls(tls: NonNullable<PostgresStateConfig['tls']>, secrets: SecretResolver) {
  return { ca: tls.ca ? await secrets.resolve(tls.ca) : undefined, rejectUnauthorized: tls.rejectUnauthorized };
}

/**
 * `parley state migrate`: applies this release's PostgreSQL migrations to `state.postgres`, connecting as
 * `urlRef` (a secret reference; default `state.postgres.url`). `onApplied` hears each migration applied.
 */
export async function migrateSharedState(
  pg: PostgresStateConfig,
  secrets: SecretResolver,
  urlRef: string,
  onApplied: (migration: { version: number; name: string }) => void,
): Promise<MigrationReport> {
  const { migrate } = await import('../store/postgres/migrate.js');
  const url = await secrets.resolve(urlRef);
  return migrate({ url, schema: pg.schema, ssl: pg.tls ? await postgresTls(pg.tls, secrets) : undefined }, onApplied);
}
