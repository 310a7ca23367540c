// Test runner configuration: every suite under test/, run in forked workers so a
// test that starts servers or spawns `leash serve` cannot leak state into another.
import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  resolve: { alias: { leash: fileURLToPath(new URL('./compiler/dsl/index.ts', import.meta.url)) } },
  test: {
    include: ['test/**/*.test.ts'],
    // policy test files among the fixtures are data for `leash test`, not vitest suites
    exclude: ['test/fixtures/**', 'node_modules/**'],
    globalSetup: ['./test/global-setup.ts'],
    pool: 'forks',
    // two forks, not vitest's default of CPUs − 1 (one on a 2-core machine): most suites wait on
    // servers, child processes and Redis, so two run side by side in about 6 minutes instead of 9
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
