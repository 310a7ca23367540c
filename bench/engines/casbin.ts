// The support-agent scenario in casbin: an ABAC model whose matcher checks the role, the
// method, the route template (keyMatch2) and that the route's parameter equals the task
// scope (keyGet2), with one policy line per Leash rule. Evaluated with `enforceSync`.
import { newEnforcer, newModelFromString, StringAdapter } from 'casbin';
import { createRequire } from 'node:module';
import type { PolicyInput } from '../../compiler/index.ts';
import type { Engine } from './engine.ts';

export const CASBIN_MODEL = `
[request_definition]
r = sub, obj, act

[policy_definition]
p = role, obj, act, scope

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = r.sub.role == p.role && regexMatch(r.act, p.act) && keyMatch2(r.obj, p.obj) && ((p.scope == "customerId" && keyGet2(r.obj, p.obj, "customerId") == r.sub.customerId) || (p.scope == "ticketId" && keyGet2(r.obj, p.obj, "ticketId") == r.sub.ticketId))
`;

export const CASBIN_POLICY = `
p, support, /customers/:customerId/records/:recordId, ^GET$, customerId
p, support, /tickets/:ticketId, ^(PATCH|PUT|POST)$, ticketId
p, support, /tickets/:ticketId/comments, ^(PATCH|PUT|POST)$, ticketId
`;

function casbinVersion(): string {
  try {
    return (createRequire(import.meta.url)('casbin/package.json') as { version: string }).version;
  } catch {
    return '?';
  }
}

export async function createCasbinEngine(): Promise<Engine> {
  const enforcer = await newEnforcer(newModelFromString(CASBIN_MODEL), new StringAdapter(CASBIN_POLICY.trim()));
  return {
    name: 'casbin',
    label: `casbin ${casbinVersion()} (node-casbin, enforceSync)`,
    decide(input: PolicyInput): boolean {
      const task = (input.agent.task ?? {}) as Record<string, unknown>;
      const subject = {
        role: String(input.agent.claims['role'] ?? ''),
        customerId: String(task['customerId'] ?? ''),
        ticketId: String(task['ticketId'] ?? ''),
      };
      try {
        return enforcer.enforceSync(subject, input.request.path, input.request.method);
      } catch {
        return false; // fail closed, as Leash does
      }
    },
  };
}
