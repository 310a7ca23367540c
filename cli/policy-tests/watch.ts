// `leash test --watch`: runs the tests, then again whenever a file under the roots changes.
// Each run is a fresh child process, because Node caches imported modules: an edited policy
// or test file would otherwise keep its old contents.
import { spawn, type ChildProcess } from 'node:child_process';
import { watch, type FSWatcher } from 'node:fs';
import { fileURLToPath } from 'node:url';

const LEASH = fileURLToPath(new URL('../../bin/leash.mjs', import.meta.url));
const SETTLE_MS = 150;

export function watchAndRerun(roots: readonly string[], args: readonly string[], log: (t: string) => void = (t) => console.error(t)): Promise<void> {
  let child: ChildProcess | null = null;
  let pending = false;
  let timer: NodeJS.Timeout | null = null;
  const run = (): void => {
    if (child) { pending = true; return; }
    child = spawn(process.execPath, [LEASH, 'test', ...args], { stdio: 'inherit' });
    child.on('exit', (code) => {
      child = null;
      log(`leash test exited ${code ?? 'on a signal'}; watching ${roots.join(', ')} for changes (Ctrl-C to stop)`);
      if (pending) { pending = false; run(); }
    });
  };
  const changed = (file: string | null): void => {
    if (file && /(^|[\\/])(\.|node_modules)/.test(file)) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => { timer = null; log(`changed: ${file ?? 'a file'}; running again`); run(); }, SETTLE_MS);
  };
  const watchers: FSWatcher[] = [];
  for (const root of roots) {
    try {
      watchers.push(watch(root, { recursive: true }, (_e, file) => changed(file === null ? null : String(file))));
    } catch (err) {
      log(`leash test --watch: cannot watch ${root}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  run();
  return new Promise((done) => {
    const stop = (): void => {
      for (const w of watchers) w.close();
      if (timer) clearTimeout(timer);
      child?.kill();
      done();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
