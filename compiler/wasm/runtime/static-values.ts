// Encodes constant Rego values into the runtime's value layout (API.md) so codegen can
// place them in data segments instead of building them on every evaluation. Objects and
// sets are sorted and de-duplicated in OPA order here, as the runtime expects.

/** A constant value. Numbers that must stay exact (big or decimal literals) use `text`. */
export type StaticValue =
  | null | boolean | number | string | readonly StaticValue[]
  | { readonly type: 'number'; readonly text: string }
  | { readonly type: 'object'; readonly entries: readonly (readonly [StaticValue, StaticValue])[] }
  | { readonly type: 'set'; readonly items: readonly StaticValue[] };

function rank(v: StaticValue): number {
  if (v === null) return 1;
  if (typeof v === 'boolean') return 2;
  if (typeof v === 'number') return 3;
  if (typeof v === 'string') return 4;
  if (Array.isArray(v)) return 5;
  const t = (v as { type: string }).type;
  return t === 'number' ? 3 : t === 'object' ? 6 : 7;
}

function num(v: StaticValue): number {
  return typeof v === 'number' ? v : Number((v as { text: string }).text);
}

const utf8 = new TextEncoder();

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** OPA's total order over static values. */
export function compareStatic(a: StaticValue, b: StaticValue): number {
  const ra = rank(a), rb = rank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 1: return 0;
    case 2: return a === b ? 0 : a ? 1 : -1;
    case 3: { const x = num(a), y = num(b); return x === y ? 0 : x < y ? -1 : 1; }
    case 4: return compareBytes(utf8.encode(a as string), utf8.encode(b as string));
    case 5: case 7: {
      const xs = ra === 5 ? (a as readonly StaticValue[]) : sortedItems(a as SetValue);
      const ys = ra === 5 ? (b as readonly StaticValue[]) : sortedItems(b as SetValue);
      for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
        const c = compareStatic(xs[i]!, ys[i]!);
        if (c) return c;
      }
      return xs.length === ys.length ? 0 : xs.length < ys.length ? -1 : 1;
    }
    default: {
      const xs = sortedEntries(a as ObjectValue);
      const ys = sortedEntries(b as ObjectValue);
      for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
        const c = compareStatic(xs[i]![0], ys[i]![0]) || compareStatic(xs[i]![1], ys[i]![1]);
        if (c) return c;
      }
      return xs.length === ys.length ? 0 : xs.length < ys.length ? -1 : 1;
    }
  }
}

type SetValue = { readonly type: 'set'; readonly items: readonly StaticValue[] };
type ObjectValue = { readonly type: 'object'; readonly entries: readonly (readonly [StaticValue, StaticValue])[] };

function sortedItems(s: SetValue): StaticValue[] {
  const out: StaticValue[] = [];
  for (const x of [...s.items].sort(compareStatic)) {
    if (!out.length || compareStatic(out[out.length - 1]!, x) !== 0) out.push(x);
  }
  return out;
}

function sortedEntries(o: ObjectValue): [StaticValue, StaticValue][] {
  const out: [StaticValue, StaticValue][] = [];
  // stable sort; the last entry for a key wins, as in the runtime
  for (const e of [...o.entries].sort((x, y) => compareStatic(x[0], y[0]))) {
    const last = out[out.length - 1];
    if (last && compareStatic(last[0], e[0]) === 0) last[1] = e[1];
    else out.push([e[0], e[1]]);
  }
  return out;
}

/**
 * Lays `value` out at absolute address `base`. Returns the bytes to place at `base` and
 * the address of the root value (always 8-aligned, inside the bytes).
 */
export function encodeStaticValue(value: StaticValue, base: number): { bytes: Uint8Array; address: number } {
  if (base % 8 !== 0) throw new Error('encodeStaticValue: base must be 8-aligned');
  let buf = new Uint8Array(256);
  let len = 0;
  const reserve = (n: number): number => {
    const at = (len + 7) & ~7;
    while (at + n > buf.length) { const b = new Uint8Array(buf.length * 2); b.set(buf); buf = b; }
    len = at + n;
    return at;
  };
  const view = (): DataView => new DataView(buf.buffer);
  const header = (tag: number, extra: number): number => {
    const at = reserve(16);
    buf.fill(0, at, at + 16);
    buf[at] = tag; buf[at + 1] = extra;
    return at;
  };
  const vector = (tag: number, ptrs: number[], width: number): number => {
    const at = header(tag, 0);
    const elems = ptrs.length ? reserve(ptrs.length * 4) : 0;
    ptrs.forEach((p, i) => view().setUint32(elems + i * 4, p, true));
    const d = view();
    d.setUint32(at + 4, ptrs.length / (width / 4), true);
    d.setUint32(at + 8, ptrs.length / (width / 4), true);
    d.setUint32(at + 12, ptrs.length ? base + elems : 0, true);
    return at;
  };
  const bytesAt = (bytes: Uint8Array): number => { const at = reserve(bytes.length || 1); buf.set(bytes, at); return at; };
  const emit = (v: StaticValue): number => {
    switch (rank(v)) {
      case 1: return base + header(1, 0);
      case 2: return base + header(2, v ? 1 : 0);
      case 3: {
        if (typeof v === 'number' && Number.isSafeInteger(v)) {
          const at = header(3, 0); view().setBigInt64(at + 8, BigInt(v), true); return base + at;
        }
        if (typeof v === 'number') {
          const at = header(3, 1); view().setFloat64(at + 8, v, true); return base + at;
        }
        const text = utf8.encode((v as { text: string }).text);
        const t = bytesAt(text);
        const at = header(3, 2);
        view().setUint32(at + 4, text.length, true); view().setUint32(at + 8, base + t, true);
        return base + at;
      }
      case 4: {
        const bytes = utf8.encode(v as string);
        const b = bytesAt(bytes);
        const at = header(4, 0);
        view().setUint32(at + 4, bytes.length, true); view().setUint32(at + 8, base + b, true);
        return base + at;
      }
      case 5: return base + vector(5, (v as readonly StaticValue[]).map(emit), 4);
      case 6: {
        const ptrs: number[] = [];
        for (const [k, x] of sortedEntries(v as ObjectValue)) ptrs.push(emit(k), emit(x));
        return base + vector(6, ptrs, 8);
      }
      default: return base + vector(7, sortedItems(v as SetValue).map(emit), 4);
    }
  };
  const address = emit(value);
  return { bytes: buf.slice(0, len), address };
}
