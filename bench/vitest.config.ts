// Vitest configuration for the benchmark's own unit tests: `npx vitest run --config bench/vitest.config.ts`.

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['bench/**/*.test.ts'],
    testTimeout: 20_000,
    pool: 'forks',
  },
});
