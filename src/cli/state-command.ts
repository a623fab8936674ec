// `parley state migrate`: applies the PostgreSQL schema migrations shipped with this release.

import { parseArgs } from 'node:util';
import type { ParleyConfig } from '../config/types.js';
import { createSecretResolver } from '../config/secrets.js';
import { migrateSharedState } from '../compose/durable-state.js';

const USAGE = `Usage:
  parley state migrate [--config FILE] [--database-url REF]

Applies the migrations in order, under an advisory lock (replicas starting at the same time wait their turn).
--database-url connects as another role than state.postgres.url, e.g. the schema owner (env:PARLEY_OWNER_DATABASE_URL).`;

/** What the command needs besides its arguments. */
export interface StateCommandDeps {
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
}

/** Runs `parley state ...`; resolves to the exit code (0 ok, 1 failed, 2 usage error). */
export async function stateCommand(args: string[], config: ParleyConfig, deps: StateCommandDeps = {}): Promise<number> {
  const out = deps.stdout ?? ((text: string) => void process.stdout.write(`${text}\n`));
  const err = deps.stderr ?? ((text: string) => void process.stderr.write(`${text}\n`));
  const [sub, ...rest] = args;
  let values: { 'database-url'?: string };
  try {
    ({ values } = parseArgs({ args: rest, strict: true, options: { 'database-url': { type: 'string' } } }));
  } catch (error) {
    err(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (sub !== 'migrate') {
    (sub === undefined || sub === '--help' ? out : err)(
      sub === undefined || sub === '--help' ? USAGE : `Unknown state command "${sub}"\n${USAGE}`,
    );
    return sub === '--help' ? 0 : 2;
  }
  const pg = config.state.postgres;
  if (!pg) {
    err(
      'state.postgres is not configured: keys and the audit trail live in files, which need no ' +
        'migration. Add state.postgres.url (docs/configuration.md).',
    );
    return 2;
  }
  const secrets = createSecretResolver();
  try {
    const report = await migrateSharedState(pg, secrets, values['database-url'] ?? pg.url, (m) =>
      out(`applied ${String(m.version).padStart(3, '0')}-${m.name}`),
    );
    out(
      `schema ${pg.schema} is at version ${report.version}${report.applied.length === 0 ? ' (nothing to apply)' : ''}`,
    );
    if (report.unknown.length > 0)
      err(
        `the database also has versions ${report.unknown.join(', ')}, which this release does not ` +
          `know: a newer Parley migrated it`,
      );
    return 0;
  } catch (error) {
    err((error as Error).message);
    return 1;
  } finally {
    secrets.close();
  }
}
