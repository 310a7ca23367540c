// The program node:cluster forks for each `leash serve --workers N` worker: the same
// TypeScript loader as bin/leash.mjs, then the worker (which waits for its config over IPC).
import '../../bin/register.mjs';

await import('./worker.ts');
