// Lets Node run Leash's TypeScript sources directly: tsx for the .ts files, then a hook that
// loads large plain-JS dependencies without tsx, then (registered last, so it runs first) one
// that lets policies load from anywhere: `leash` resolves outside a project that installs it,
// and untyped .ts files load as ES modules (resolve-leash.mjs).
// Used by bin/leash.mjs and by `node --import ./bin/register.mjs` in package.json scripts.
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

registerTsx();
register('./native-load.mjs', import.meta.url);
register('./resolve-leash.mjs', import.meta.url);
