// Leash's own version, from package.json: the `version` label of status reports and
// decision-log events.
import { readFileSync } from 'node:fs';

export const LEASH_VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
