import binaryen from 'binaryen';
import { newHarness, finish, load } from './harness.ts';
const i32 = binaryen.i32;
function constModule(): Uint8Array {
  const h = newHarness(); const m = h.module;
  const body = m.block(null, [
    m.local.set(3, h.call('opa_set', [])),
    h.call('leash_result_set_add', [m.local.get(3, i32), h.call('opa_boolean', [m.i32.const(1)])], binaryen.none),
    m.local.get(3, i32),
  ], i32);
  return finish(h, { entrypoints: { c: 0 }, evalVars: [i32], evalBody: body });
}
const input = {
  agent: { id: 'support-bot', session: 's-123456', key: null, claims: { sub: 'support-bot', scope: 'tickets:read tickets:write', tenant: 'acme', roles: ['support'] }, task: { id: 't-9', kind: 'refund' } },
  request: { method: 'POST', path: '/api/tickets/4711/comments', query: { page: '2' }, headers: { 'content-type': 'application/json', 'user-agent': 'agent/1.0' }, body: { text: 'Hello, we refunded your order.', internal: false, amount: 12.5 } },
  upstream: null, now: 1764200000000000000,
};
const p = await load(constModule());
for (let i = 0; i < 20000; i++) p.evaluate(input);
const N = 100000;
let t = process.hrtime.bigint();
for (let i = 0; i < N; i++) p.evaluate(input);
let dt = Number(process.hrtime.bigint() - t) / N / 1000;
console.log('constant module via SDK (incl. input JSON parse):', dt.toFixed(2), 'us');
// JS-only part: stringify + encode
t = process.hrtime.bigint();
for (let i = 0; i < N; i++) new TextEncoder().encode(JSON.stringify(input));
console.log('JSON.stringify+encode only:', (Number(process.hrtime.bigint() - t) / N / 1000).toFixed(2), 'us');
// parse only inside wasm
const ex = (p.wasmInstance as WebAssembly.Instance).exports as Record<string, (...a: number[]) => number>;
const bytes = new TextEncoder().encode(JSON.stringify(input));
const base = ex.opa_heap_ptr_get!();
const at = ex.opa_malloc!(bytes.length); new Uint8Array(p.mem.buffer).set(bytes, at);
const h2 = ex.opa_heap_ptr_get!();
t = process.hrtime.bigint();
for (let i = 0; i < N; i++) { ex.opa_heap_ptr_set!(h2); ex.opa_json_parse!(at, bytes.length); }
console.log('opa_json_parse of', bytes.length, 'bytes:', (Number(process.hrtime.bigint() - t) / N / 1000).toFixed(2), 'us');
ex.opa_heap_ptr_set!(base);
