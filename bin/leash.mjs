#!/usr/bin/env node
// The `leash` command: makes the TypeScript sources runnable as they are (no build step to
// forget; see register.mjs), then hands over to the CLI wiring in cli/index.ts.
import './register.mjs';

await import('../cli/index.ts');
