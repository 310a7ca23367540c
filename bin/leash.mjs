#!/usr/bin/env node
// The `leash` command: registers tsx so the TypeScript sources run as they are
// (no build step to forget), then hands over to the CLI wiring in cli/index.ts.
import { register } from 'tsx/esm/api';

register();
await import('../cli/index.ts');
