#!/usr/bin/env node
// The `parley` command: dispatches to one module per subcommand (loaded lazily to keep start-up fast).

const USAGE = `Usage: parley <command> [options]

Commands:
  serve [--config FILE]          start the server (demo provider when no configuration is given)
  config check FILE              validate a configuration file and print every problem
  keys create|list|rotate|revoke manage API keys in the data directory
  audit verify [--file F]        verify the hash chain and signatures of the audit trail
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

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  },
);
