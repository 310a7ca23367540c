// IR statements → binaryen expressions. Each IR block level is a wasm `block` label; a
// failing statement branches to the innermost one. Locals are i32 value pointers.
import binaryen from 'binaryen';
import type { Block, Stmt } from '../ir/index.ts';
import { assertNever } from '../../rego/ast.ts';
import type { Loc } from '../../diagnostics/index.ts';
import type { Linker } from './linker.ts';
import { spendStep } from './budget.ts';

const i32 = binaryen.i32;

export interface FnState {
  readonly m: binaryen.Module;
  readonly link: Linker;
  /** wasm labels of the IR block levels, innermost last */
  readonly labels: string[];
  /** next free scratch local index */
  nextScratch: number;
  labelSeq: number;
}

function label(st: FnState, what: string): string {
  return `${what}${st.labelSeq++}`;
}

function scratch(st: FnState): number {
  return st.nextScratch++;
}

export function compileBlock(st: FnState, b: Block, what = 'b'): binaryen.ExpressionRef {
  const name = label(st, what);
  st.labels.push(name);
  const body = b.stmts.map((s) => compileStmt(st, s));
  st.labels.pop();
  return st.m.block(name, body, binaryen.none);
}

function fail(st: FnState, cond: binaryen.ExpressionRef): binaryen.ExpressionRef {
  return st.m.br(st.labels[st.labels.length - 1]!, cond);
}

function get(st: FnState, l: number): binaryen.ExpressionRef {
  return st.m.local.get(l, i32);
}

function rt(st: FnState, exportName: string, args: binaryen.ExpressionRef[], ret: number = i32): binaryen.ExpressionRef {
  return st.m.call(st.link.rt(exportName), args, ret);
}

function abortConflict(st: FnState, message: string, loc: Loc | undefined): binaryen.ExpressionRef {
  const { m, link } = st;
  return m.call(link.rt('leash_error'), [
    m.i32.const(link.cstring('eval_conflict_error')),
    m.i32.const(link.cstring(loc?.file ?? '')),
    m.i32.const(loc?.line ?? 0),
    m.i32.const(link.cstring(message)),
  ], binaryen.none);
}

export function compileStmt(st: FnState, s: Stmt): binaryen.ExpressionRef {
  const m = st.m;
  switch (s.kind) {
    case 'Block':
      return m.block(null, s.blocks.map((b) => compileBlock(st, b)), binaryen.none);
    case 'Break':
      return m.br(st.labels[st.labels.length - 1 - s.index]!);
    case 'Scan': {
      const i = scratch(st);
      const n = scratch(st);
      const exit = label(st, 'scanexit');
      const loop = label(st, 'scanloop');
      const src = get(st, s.source);
      const body = compileBlock(st, s.block, 'scan');
      return m.block(exit, [
        m.br(exit, m.i32.eqz(get(st, s.source))),
        m.br(exit, m.i32.lt_u(m.i32.load8_u(0, 1, src), m.i32.const(5))),
        m.local.set(n, m.i32.load(4, 4, get(st, s.source))),
        m.local.set(i, m.i32.const(0)),
        m.loop(loop, m.block(null, [
          m.br(exit, m.i32.ge_u(m.local.get(i, i32), m.local.get(n, i32))),
          spendStep(m),
          m.local.set(s.key, rt(st, 'leash_iter_key', [get(st, s.source), m.local.get(i, i32)])),
          m.local.set(s.value, rt(st, 'leash_iter_value', [get(st, s.source), m.local.get(i, i32)])),
          body,
          m.local.set(i, m.i32.add(m.local.get(i, i32), m.i32.const(1))),
          m.br(loop),
        ], binaryen.none)),
      ], binaryen.none);
    }
    case 'Dot':
      return m.block(null, [
        m.local.set(s.target, rt(st, 'opa_value_get', [get(st, s.source), get(st, s.key)])),
        fail(st, m.i32.eqz(get(st, s.target))),
      ], binaryen.none);
    case 'Len':
      return m.local.set(s.target, rt(st, 'opa_number_int', [m.i64.extend_u(rt(st, 'opa_value_length', [get(st, s.source)]))]));
    case 'Equal':
      return fail(st, m.i32.eqz(rt(st, 'opa_value_equal', [get(st, s.a), get(st, s.b)])));
    case 'NotEqual':
      return fail(st, rt(st, 'opa_value_equal', [get(st, s.a), get(st, s.b)]));
    case 'Truthy':
      // tag 2 (boolean) with payload 0 (false) reads as the u16 0x0002
      return fail(st, m.i32.eq(m.i32.load16_u(0, 1, get(st, s.source)), m.i32.const(2)));
    case 'IsArray':
      return fail(st, m.i32.ne(m.i32.load8_u(0, 1, get(st, s.source)), m.i32.const(5)));
    case 'IsObject':
      return fail(st, m.i32.ne(m.i32.load8_u(0, 1, get(st, s.source)), m.i32.const(6)));
    case 'IsDefined':
      return fail(st, m.i32.eqz(get(st, s.source)));
    case 'IsUndefined':
      return fail(st, get(st, s.source));
    case 'AssignVar':
      return m.local.set(s.target, get(st, s.source));
    case 'AssignVarOnce':
      return m.if(
        m.i32.eqz(get(st, s.target)),
        m.local.set(s.target, get(st, s.source)),
        m.if(m.i32.eqz(rt(st, 'opa_value_equal', [get(st, s.target), get(st, s.source)])), abortConflict(st, s.message, s.loc)),
      );
    case 'ResetLocal':
      return m.local.set(s.target, m.i32.const(0));
    case 'MakeConst':
      return m.local.set(s.target, m.i32.const(st.link.constant(s.json)));
    case 'MakeArray':
      return m.local.set(s.target, rt(st, 'opa_array_with_cap', [m.i32.const(s.capacity)]));
    case 'MakeObject':
      return m.local.set(s.target, rt(st, 'opa_object', []));
    case 'MakeSet':
      return m.local.set(s.target, rt(st, 'opa_set', []));
    case 'ArrayAppend':
      return rt(st, 'opa_array_append', [get(st, s.array), get(st, s.value)], binaryen.none);
    case 'ObjectInsert':
      return rt(st, 'opa_object_insert', [get(st, s.object), get(st, s.key), get(st, s.value)], binaryen.none);
    case 'ObjectInsertOnce':
      return m.if(rt(st, 'leash_object_insert_checked', [get(st, s.object), get(st, s.key), get(st, s.value)]), abortConflict(st, s.message, s.loc));
    case 'ObjectMerge': {
      const a = get(st, s.a);
      return m.local.set(s.target, m.if(m.i32.eqz(a), get(st, s.b),
        m.if(m.i32.eqz(get(st, s.b)), get(st, s.a), mergeOrVirtual(st, s.a, s.b))));
    }
    case 'SetAdd':
      return rt(st, 'opa_set_add', [get(st, s.set), get(st, s.value)], binaryen.none);
    case 'Call': {
      const strict = st.link.options.strictBuiltinErrors && st.link.isNative(s.func);
      return m.block(null, [
        m.local.set(s.target, st.link.call(s.func, s.args.map((a) => get(st, a)), s.loc)),
        ...(strict ? [m.if(m.i32.eqz(get(st, s.target)), rt(st, 'leash_builtin_error_raise', [
          m.i32.const(st.link.cstring(s.loc?.file ?? '')), m.i32.const(s.loc?.line ?? 0)], binaryen.none))] : []),
        fail(st, m.i32.eqz(get(st, s.target))),
      ], binaryen.none);
    }
    case 'ObjectInsertPath':
      return insertPath(st, s);
    case 'Upsert': {
      const path = scratch(st);
      return m.block(null, [
        m.local.set(path, rt(st, 'opa_array_with_cap', [m.i32.const(s.path.length)])),
        ...s.path.map((k) => rt(st, 'opa_array_append', [m.local.get(path, i32), get(st, k)], binaryen.none)),
        m.local.set(s.target, rt(st, 'opa_value_add_path', [get(st, s.source), m.local.get(path, i32), get(st, s.value)])),
      ], binaryen.none);
    }
    case 'ResultSetAdd':
      return rt(st, 'leash_result_set_add', [m.global.get(st.link.resultSetGlobal, i32), get(st, s.value)], binaryen.none);
    case 'SetGlobal':
      return m.global.set(`leash:slot:${s.slot}`, get(st, s.source));
    case 'GetGlobal':
      return m.local.set(s.target, m.global.get(`leash:slot:${s.slot}`, i32));
    case 'ReturnLocal':
      return m.return(get(st, s.source));
    default:
      return assertNever(s, 'IR statement');
  }
}

function insertPath(st: FnState, s: Extract<Stmt, { kind: 'ObjectInsertPath' }>): binaryen.ExpressionRef {
  const m = st.m;
  const cur = scratch(st);
  const child = scratch(st);
  const out: binaryen.ExpressionRef[] = [m.local.set(cur, get(st, s.object))];
  const isObject = (l: number): binaryen.ExpressionRef => m.i32.eq(m.i32.load8_u(0, 1, m.local.get(l, i32)), m.i32.const(6));
  const descend = (key: number, make: () => binaryen.ExpressionRef, ok: (l: number) => binaryen.ExpressionRef): void => {
    out.push(
      m.local.set(child, rt(st, 'opa_value_get', [m.local.get(cur, i32), get(st, key)])),
      m.if(m.i32.eqz(m.local.get(child, i32)),
        m.block(null, [
          m.local.set(child, make()),
          rt(st, 'opa_object_insert', [m.local.get(cur, i32), get(st, key), m.local.get(child, i32)], binaryen.none),
        ], binaryen.none),
        m.if(m.i32.eqz(ok(child)), abortConflict(st, s.message, s.loc))),
      m.local.set(cur, m.local.get(child, i32)),
    );
  };
  const last = s.path.length - 1;
  s.path.slice(0, last).forEach((k) => descend(k, () => rt(st, 'opa_object', []), isObject));
  if (s.set) {
    descend(s.path[last]!, () => rt(st, 'opa_set', []), (l) => m.i32.eq(m.i32.load8_u(0, 1, m.local.get(l, i32)), m.i32.const(7)));
    out.push(rt(st, 'opa_set_add', [m.local.get(cur, i32), get(st, s.value)], binaryen.none));
  } else {
    out.push(m.if(rt(st, 'leash_object_insert_checked', [m.local.get(cur, i32), get(st, s.path[last]!), get(st, s.value)]), abortConflict(st, s.message, s.loc)));
  }
  return m.block(null, out, binaryen.none);
}

function mergeOrVirtual(st: FnState, a: number, b: number): binaryen.ExpressionRef {
  const m = st.m;
  const t = scratch(st);
  return m.if(
    m.local.tee(t, rt(st, 'opa_value_merge', [get(st, a), get(st, b)]), i32),
    m.local.get(t, i32),
    get(st, b), // a clash between base data and a rule: the rule's value wins
  );
}
