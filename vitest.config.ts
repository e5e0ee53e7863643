import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Subprocess-heavy suites (sandbox, Lean double) share 2 cores; keep file parallelism modest.
    maxWorkers: 2,
  },
});
