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
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
