// `leash init` templates for the project files around the policies: package.json,
// tsconfig.json (type-checks policies/ as `leash check` does) and .gitignore.

/** package.json of a new policy repository; `leashVersion` is the running Leash's own. */
export function packageJson(name: string, leashVersion: string): string {
  const manifest = {
    name,
    version: '0.0.0',
    private: true,
    type: 'module',
    scripts: {
      check: 'leash check policies',
      test: 'leash test policies',
    },
    devDependencies: {
      leash: `^${leashVersion}`,
    },
  };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** Written as policies/package.json when the folder already has a package.json that does
 *  not say "type": "module": policies are ES modules whatever the project around them is. */
export const POLICIES_PACKAGE_JSON = `${JSON.stringify({ type: 'module' }, null, 2)}\n`;

// The compiler options `leash check` type-checks policies with (compiler/extract/project.ts),
// so an editor or `npx tsc -p .` (with typescript installed) reports what `leash check` does.
export const TSCONFIG = `${JSON.stringify({
  compilerOptions: {
    target: 'ES2022',
    lib: ['ES2022'],
    module: 'ESNext',
    moduleResolution: 'Bundler',
    types: [],
    strict: true,
    noUncheckedIndexedAccess: true,
    allowImportingTsExtensions: true,
    verbatimModuleSyntax: true,
    isolatedModules: true,
    skipLibCheck: true,
    noEmit: true,
  },
  include: ['policies'],
}, null, 2)}\n`;

export const GITIGNORE = `node_modules/
dist/
# leash serve --dev keeps its development signing key and audit trail here
.leash/
`;
