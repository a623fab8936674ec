#!/usr/bin/env node
// The `parley` command: dispatches to one module per subcommand (loaded lazily to keep start-up fast).

const USAGE = `Usage: parley <command> [options]

Commands:
  serve [--config FILE]          start the server (demo provider when no configuration is given)
  config check FILE              validate a configuration file and print every problem
  keys create|list|rotate|revoke manage API keys (keys.json in PARLEY_DATA_DIR, or PostgreSQL with state.postgres)
  audit verify|query|purge|keygen verify the audit trail's chain and signatures, read it, purge old records, make a signing key
  state migrate                  apply the PostgreSQL schema migrations (state.postgres)
  mock-upstream [options]        run a fault-injecting fake OpenAI/Anthropic provider

Run "parley <command> --help" for the options of a command.`;

async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return (await import('./serve-command.js')).serveCommand(rest);
    case 'config': {
      if (rest[0] !== 'check' || !rest[1]) {
        console.error('Usage: parley config check FILE');
        return 2;
      }
      return (await import('./config-check-command.js')).configCheckCommand(rest.slice(1));
    }
    case 'keys':
    case 'audit': {
      const { config, rest: args } = await loadForCommand(rest);
      const { createSecretResolver } = await import('../config/secrets.js');
      const secrets = createSecretResolver();
      try {
        const usesFile = command === 'audit' && (args.includes('--file') || args[0] === 'keygen');
        if (config.state.postgres && !usesFile) return await withDurableState(command, args, config, secrets);
        if (command === 'keys')
          return await (await import('./keys-command.js')).keysCommand(args, { dataDir: config.dataDir });
        return await (
          await import('./audit-command.js')
        ).auditCommand(args, {
          dataDir: config.dataDir,
          retentionMs: config.audit.retentionMs,
          purge: async (before) =>
            (await import('../compose/durable-state.js')).purgeFileAuditTrail(config, secrets, before, 'cli:retention'),
          resolveSecret: (ref) => secrets.resolve(ref),
        });
      } finally {
        secrets.close();
      }
    }
    case 'state': {
      const { config, rest: args } = await loadForCommand(rest);
      return (await import('./state-command.js')).stateCommand(args, config);
    }
    case 'mock-upstream':
      await (await import('./mock-upstream-command.js')).mockUpstreamCommand(rest);
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      console.error(`Unknown command "${command}".\n\n${USAGE}`);
      return 2;
  }
}

type Config = import('../config/types.js').ParleyConfig;

/**
 * `parley keys|audit` against the stores `state.postgres` picks; `--database-url REF` connects as another role
 * (retention purges).
 */
async function withDurableState(
  command: 'keys' | 'audit',
  args: string[],
  config: Config,
  secrets: import('../config/secrets.js').SecretResolver,
): Promise<number> {
  const index = args.indexOf('--database-url');
  const url = index >= 0 ? args[index + 1] : undefined;
  const rest = index >= 0 ? [...args.slice(0, index), ...args.slice(index + 2)] : args;
  const postgres = config.state.postgres;
  const effective: Config =
    url && postgres ? { ...config, state: { ...config.state, postgres: { ...postgres, url } } } : config;
  const { openDurableState } = await import('../compose/durable-state.js');
  const durable = await openDurableState(effective, { secrets, mode: 'cli' });
  try {
    if (command === 'keys')
      return await (
        await import('./keys-command.js')
      ).keysCommand(rest, { dataDir: config.dataDir, openStore: async () => durable.keyStore, audit: durable.audit });
    return await (
      await import('./audit-command.js')
    ).auditCommand(rest, {
      dataDir: config.dataDir,
      storage: durable.auditStorage,
      storageLabel: `postgres schema ${postgres?.schema ?? ''}`,
      retentionMs: config.audit.retentionMs,
      purge: (before) => durable.purgeAudit(before, 'cli:retention'),
      resolveSecret: (ref) => secrets.resolve(ref),
    });
  } finally {
    await durable.close();
  }
}

/** Loads the configuration (for the data directory) from `--config FILE` or PARLEY_CONFIG; returns the other args. */
async function loadForCommand(
  args: string[],
): Promise<{ config: import('../config/types.js').ParleyConfig; rest: string[] }> {
  const index = args.findIndex((a) => a === '--config' || a === '-c');
  const file = index >= 0 ? args[index + 1] : undefined;
  const rest = index >= 0 ? [...args.slice(0, index), ...args.slice(index + 2)] : args;
  const { loadConfig } = await import('../config/load.js');
  return { config: await loadConfig({ file }), rest };
}

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  },
);
