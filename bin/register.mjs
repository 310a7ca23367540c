// Lets Node run Leash's TypeScript sources directly: tsx for the .ts files, then (registered
// last, so it runs first) a hook that loads large plain-JS dependencies without tsx.
// Used by bin/leash.mjs and by `node --import ./bin/register.mjs` in package.json scripts.
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

registerTsx();
register('./native-load.mjs', import.meta.url);
