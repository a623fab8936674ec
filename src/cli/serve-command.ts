// `parley serve`: load and validate the configuration, start the server, drain on SIGTERM/SIGINT.

import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/load.js';
import { listenSocketFromEnvironment } from '../config/listen-socket.js';
import { startParley } from '../main.js';

const USAGE = `Usage: parley serve [--config FILE]

Starts Parley. Without --config (or PARLEY_CONFIG) it serves the built-in demo provider.
HOST and PORT override server.host and server.port. Started by systemd socket activation (LISTEN_FDS),
it serves the socket passed instead (docs/deployment.md, "Restarts without a reset connection").`;

/** Runs the server until a termination signal; resolves with the exit code. */
export async function serveCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  let config;
  try {
    config = await loadConfig({ file: values.config });
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      return 1;
    }
    throw error;
  }
  let parley;
  try {
    const listenOn = listenSocketFromEnvironment();
    parley = await startParley({ config, listenOn });
  } catch (error) {
    // A state section that cannot be used (e.g. Redis off loopback without state.encryptionKey) is found only at start.
    if (error instanceof ConfigError) {
      console.error(error.message);
      return 1;
    }
    throw error;
  }
  if (parley.firstStart) {
    // Printed once on the terminal, never logged: the key's hash is all Parley keeps.
    process.stdout.write(
      `\n  First start: an admin API key was created. It is shown this once; store it now.\n\n` +
        `    API key:    ${parley.firstStart.adminKey}\n` +
        `    Login link: ${parley.firstStart.loginUrl}   (one-time, valid 15 minutes)\n\n` +
        `  Create more keys with: npm run parley -- keys create --name NAME --role user\n\n`,
    );
  }
  if (config.demoMode) {
    console.log(
      `Parley is running at ${parley.url} with the built-in demo provider (offline). Configure a ` +
        `real provider with --config FILE; see README.md.`,
    );
  } else {
    console.log(`Parley is running at ${parley.url}`);
  }
  return new Promise<number>((resolve) => {
    const stop = (signal: string): void => {
      parley.logger.info({ signal }, 'signal received');
      parley.shutdown().then(
        () => resolve(0),
        (error: unknown) => {
          parley.logger.error({ err: error }, 'shutdown failed');
          resolve(1);
        },
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
