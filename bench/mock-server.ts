// The benchmark's upstream: starts the mock provider in its own process (no request recording) and prints its URL.

import { parseArgs } from 'node:util';
import { startMockUpstream } from '../src/mock-upstream/index.js';
import { parseScenario } from '../src/mock-upstream/index.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      scenario: { type: 'string', default: '{}' },
    },
    strict: true,
  });
  const mock = await startMockUpstream({
    host: values.host,
    port: Number(values.port),
    record: false,
    scenario: parseScenario(JSON.parse(values.scenario)),
  });
  process.stdout.write(`READY ${mock.url}\n`);
  const stop = (): void => void mock.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
