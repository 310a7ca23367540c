// `leash init` template: README.md of a new policy repository (layout and commands).
import { POLICY_NAME } from './policy.ts';

export interface ReadmeOptions {
  readonly name: string;
  readonly leashVersion: string;
  /** init wrote package.json (with the check and test scripts) */
  readonly wrotePackage: boolean;
  /** init wrote policies/package.json (the project's package.json is CommonJS) */
  readonly policiesPackage: boolean;
}

export function readme({ name, leashVersion, wrotePackage, policiesPackage }: ReadmeOptions): string {
  const tarball = `leash-${leashVersion}.tgz`;
  return `# ${name}

Agent access policies for Leash: each \`policies/*.policy.ts\` file says which API calls an
AI agent may make, within which task scope and how many times, in Leash's typed TypeScript
DSL. Leash compiles them to an OPA bundle (Rego v1 and WebAssembly) that \`leash serve\`
answers API gateways with.

## Layout

\`\`\`
policies/${POLICY_NAME}.policy.ts        the example policy: claims type, a read rule scoped
                                        to the task's customer, a write rule, limits
policies/${POLICY_NAME}.policy.test.ts   its tests (policyTests from 'leash'), one case per rule
${policiesPackage ? 'policies/package.json                  "type": "module": policies are ES modules in a CommonJS project\n' : ''}.github/workflows/leash.yml            CI: check, test, upload the JUnit report
tsconfig.json                          type-checking for editors (and \`npx tsc\`)
\`\`\`

## Installing Leash

Leash is not on the npm registry (the \`leash\` package there is an unrelated project, so a
plain \`npm install\` cannot fetch it). Install it from the tarball that \`npm pack\` makes in
a clone of the Leash repository, and keep the tarball in this repository so that \`npm ci\`
in CI finds it too:

\`\`\`sh
mkdir -p vendor && cp /path/to/${tarball} vendor/
npm install -D ./vendor/${tarball}
\`\`\`

package.json then says \`"leash": "file:vendor/${tarball}"\`. Commit \`package.json\`,
\`package-lock.json\` and \`vendor/\`: the workflow runs \`npm ci\`.

## Commands

\`\`\`sh
npx leash check policies             # type-check and compile; file:line:col on errors
npx leash test policies              # run the *.policy.test.ts cases
npx leash test policies --format junit > leash-junit.xml
npx leash build policies -o bundle.tar.gz   # the OPA bundle to deploy
# one decision without a server, and what decided it:
npx leash eval policies --claims '{"role":"orders","client_id":"key-7","task":{"orderId":"O-1001","customerId":"C-17"}}' \\
  --method GET --path /customers/C-99/orders/O-5 --explain
\`\`\`

${wrotePackage ? '`npm run check` and `npm test` run the first two.\n\n' : ''}A test case names the token claims (typed by the policy's claims type), a request and what
must come out; \`steps\` runs several requests in one session with the limits counted, so
"the 4th write is refused" is one case. Policies are ES modules (\`"type": "module"\` in
package.json, or in policies/package.json when the project around them is CommonJS).
`;
}
