import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Two cores: more workers only fight over them, and the process-level tests time things.
    maxWorkers: 2,
    // One module graph per worker, not per file: the files share the product's imports (zod schemas, xstate, the client), and re-importing them for each of ~180 files cost a sixth of the suite. No test mocks modules, fakes timers or changes process.env.
    isolate: false,
  },
});
