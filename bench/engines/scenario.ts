// The support-agent scenario as generated requests: the PolicyInput values (the server's
// contract with the policy) that every engine decides on. Deterministic for a seed, so
// each engine, each run and the unit test see the same requests.
import type { PolicyInput } from '../../compiler/index.ts';

/** The facts policies/support-agent.policy.ts fixes (issue 2), restated for the peers. */
export const SUPPORT_AGENT = {
  role: 'support',
  // the policy declares the records resource with `methods: ['GET']`: HEAD and OPTIONS are not reads of it
  readMethods: ['GET'],
  writeMethods: ['PATCH', 'PUT', 'POST'],
} as const;

const TASKS = [
  { ticketId: 'T-4891', customerId: 'C-771' },
  { ticketId: 'T-1002', customerId: 'C-332' },
  { ticketId: 'T-77', customerId: 'C-9' },
] as const;
const ROLES = ['support', 'support', 'support', 'support', 'billing', 'ops'] as const;
const METHODS = ['GET', 'GET', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'PATCH', 'DELETE', 'get'] as const;

/** mulberry32: a tiny seeded generator, enough for reproducible request mixes */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)]!;
}

function generatePath(next: () => number, task: (typeof TASKS)[number]): string {
  const other = pick(next, TASKS);
  const customer = next() < 0.6 ? task.customerId : other.customerId;
  const ticket = next() < 0.6 ? task.ticketId : other.ticketId;
  const record = next() < 0.8 ? String(Math.floor(next() * 1000)) : `r-${Math.floor(next() * 100)}`;
  const shapes = [
    `/customers/${customer}/records/${record}`,
    `/customers/${customer}/records/${record}`,
    `/customers/${customer}/records/${record}`,
    `/tickets/${ticket}`,
    `/tickets/${ticket}/comments`,
    `/tickets/${ticket}/comments`,
    `/customers/${customer}`,
    `/customers/${customer}/records`,
    `/customers/${customer}/records/${record}/attachments`,
    `/tickets/${ticket}/comments/${record}`,
    `/tickets`,
    `/admin/users/${record}`,
    // near misses every encoding must deny the same way: trailing or doubled slashes, case
    `/customers/${customer}/records/${record}/`,
    `/customers/${customer}//records/${record}`,
    `/Customers/${customer}/records/${record}`,
    `/tickets/${ticket}/`,
  ];
  return pick(next, shapes);
}

export function generateInputs(count: number, seed = 8): PolicyInput[] {
  const next = rng(seed);
  const inputs: PolicyInput[] = [];
  for (let i = 0; i < count; i++) {
    const task = pick(next, TASKS);
    const role = pick(next, ROLES);
    const session = `s-${seed}-${i}`;
    const agentId = `${role}-bot-${Math.floor(next() * 4)}`;
    const key = `key-${Math.floor(next() * 8)}`;
    const taskClaim = { ticketId: task.ticketId, customerId: task.customerId };
    inputs.push({
      agent: {
        id: agentId,
        session,
        key,
        claims: { sub: agentId, sid: session, client_id: key, role, task: taskClaim, iss: 'https://idp.bench.local', aud: 'leash' },
        task: taskClaim,
      },
      request: { method: pick(next, METHODS), path: generatePath(next, task), query: {}, headers: { accept: 'application/json' }, body: null },
      upstream: null,
      now: 1764214800000000000 + i * 1000,
    });
  }
  return inputs;
}

/** Hand-picked requests with the decisions issue 2 fixes: the anchors any encoding must hit. */
export const KNOWN_DECISIONS: readonly { readonly method: string; readonly path: string; readonly role: string; readonly allow: boolean }[] = [
  { method: 'GET', path: '/customers/C-771/records/42', role: 'support', allow: true },
  { method: 'GET', path: '/customers/C-332/records/42', role: 'support', allow: false },
  { method: 'PATCH', path: '/tickets/T-4891', role: 'support', allow: true },
  { method: 'POST', path: '/tickets/T-4891/comments', role: 'support', allow: true },
  { method: 'PUT', path: '/tickets/T-4891', role: 'support', allow: true },
  { method: 'PATCH', path: '/tickets/T-1002', role: 'support', allow: false },
  { method: 'DELETE', path: '/tickets/T-4891', role: 'support', allow: false },
  { method: 'POST', path: '/customers/C-771/records/42', role: 'support', allow: false },
  { method: 'GET', path: '/customers/C-771/records/42', role: 'billing', allow: false },
  { method: 'HEAD', path: '/customers/C-771/records/42', role: 'support', allow: false },
];

/** One input for the T-4891 / C-771 session of the scenario, for the known decisions. */
export function scenarioInput(method: string, path: string, role: string): PolicyInput {
  const task = { ticketId: 'T-4891', customerId: 'C-771' };
  return {
    agent: { id: `${role}-bot`, session: 's-8c1f', key: 'key-17', claims: { sub: `${role}-bot`, sid: 's-8c1f', client_id: 'key-17', role, task }, task },
    request: { method, path, query: {}, headers: {}, body: null },
    upstream: null,
    now: 1764214800000000000,
  };
}
