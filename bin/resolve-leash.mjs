// A module resolve hook (registered last in register.mjs, so it runs first) that lets the
// CLI load policies wherever they are, not only inside a project that installs Leash:
//
// - `import ... from 'leash'`, when normal resolution finds no `leash` (a global install, a
//   policy in /tmp), resolves to this package's own DSL entry, compiler/dsl/index.ts (what
//   package.json exports as "."). A project with its own leash installed gets that one, as
//   usual: the hook only steps in on ERR_MODULE_NOT_FOUND.
// - a `.ts` file outside node_modules whose package scope does not say "type" (no
//   package.json at all, or one without the field) loads as an ES module, as policies are
//   written. tsx alone would treat it as CommonJS, which on Node 20 fails on the policy's
//   `import` statements (ERR_REQUIRE_CYCLE_MODULE) or on the bare `leash`. A package.json
//   that says "type": "commonjs" is left as it says.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const OWN = {
  leash: new URL('../compiler/dsl/index.ts', import.meta.url).href,
  'leash/package.json': new URL('../package.json', import.meta.url).href,
};

/** The "type" of the nearest package.json above dir (undefined: none, or no such field). */
const typeOfScope = new Map();
function packageType(dir) {
  if (typeOfScope.has(dir)) return typeOfScope.get(dir);
  let type;
  const manifest = join(dir, 'package.json');
  if (existsSync(manifest)) {
    try {
      const t = JSON.parse(readFileSync(manifest, 'utf8')).type;
      type = typeof t === 'string' ? t : undefined;
    } catch {
      type = undefined;
    }
  } else if (dirname(dir) !== dir && !dir.endsWith('/node_modules')) {
    type = packageType(dirname(dir));
  }
  typeOfScope.set(dir, type);
  return type;
}

function asModuleWhenUntyped(resolved) {
  const { url, format } = resolved;
  if (format !== 'commonjs' || !url.startsWith('file:') || url.includes('/node_modules/')) return resolved;
  const path = fileURLToPath(url);
  if (!path.endsWith('.ts') && !path.endsWith('.tsx')) return resolved;
  return packageType(dirname(path)) === undefined ? { ...resolved, format: 'module' } : resolved;
}

export async function resolve(specifier, context, nextResolve) {
  const own = Object.hasOwn(OWN, specifier) ? OWN[specifier] : undefined;
  if (own === undefined) return asModuleWhenUntyped(await nextResolve(specifier, context));
  try {
    return await nextResolve(specifier, context);
  } catch (err) {
    if (err?.code !== 'ERR_MODULE_NOT_FOUND') throw err;
    return nextResolve(own, context);
  }
}
