// What `leash init` writes: the files of a new policy repository, by path relative to the
// target folder. The templates are TypeScript strings (not .policy.ts files on disk), so
// `leash test`/`leash check` of this repository and vitest never pick them up.
import { GITIGNORE, POLICIES_PACKAGE_JSON, TSCONFIG, packageJson } from './project.ts';
import { POLICY, POLICY_NAME, POLICY_TESTS } from './policy.ts';
import { readme } from './readme.ts';
import { WORKFLOW } from './workflow.ts';

export interface ScaffoldFile {
  readonly path: string;
  readonly text: string;
}

export interface ScaffoldOptions {
  /** the new package's name */
  readonly name: string;
  /** the version of Leash doing the init (the devDependency's range starts there) */
  readonly leashVersion: string;
  /** the target already has a package.json: keep it (and, unless it says "type":
   *  "module", make policies/ an ES module scope with policies/package.json) */
  readonly existingPackage?: { readonly type?: string };
}

export function scaffoldFiles(o: ScaffoldOptions): ScaffoldFile[] {
  const files: ScaffoldFile[] = [];
  if (!o.existingPackage) files.push({ path: 'package.json', text: packageJson(o.name, o.leashVersion) });
  else if (o.existingPackage.type !== 'module') files.push({ path: 'policies/package.json', text: POLICIES_PACKAGE_JSON });
  files.push(
    { path: `policies/${POLICY_NAME}.policy.ts`, text: POLICY },
    { path: `policies/${POLICY_NAME}.policy.test.ts`, text: POLICY_TESTS },
    { path: '.github/workflows/leash.yml', text: WORKFLOW },
    { path: 'README.md', text: readme({ name: o.name, leashVersion: o.leashVersion, wrotePackage: !o.existingPackage, policiesPackage: files.some((f) => f.path === 'policies/package.json') }) },
    { path: 'tsconfig.json', text: TSCONFIG },
    { path: '.gitignore', text: GITIGNORE },
  );
  return files;
}
