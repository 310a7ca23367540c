// OPA's total order over JSON values (null < booleans < numbers < strings < arrays <
// objects), used to sort the decision's sets exactly as OPA prints a set: strings compare
// by UTF-8 bytes, objects by their sorted keys and then values.

const RANK = (v: unknown): number => {
  if (v === null || v === undefined) return 0;
  switch (typeof v) {
    case 'boolean': return 1;
    case 'number': return 2;
    case 'string': return 3;
    default: return Array.isArray(v) ? 4 : 5;
  }
};

export function compareValues(a: unknown, b: unknown): number {
  const ra = RANK(a);
  const rb = RANK(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 0: return 0;
    case 1: return a === b ? 0 : a ? 1 : -1;
    case 2: return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
    case 3: return Buffer.compare(Buffer.from(a as string, 'utf8'), Buffer.from(b as string, 'utf8'));
    case 4: return compareSeq(a as unknown[], b as unknown[]);
    default: {
      const ao = a as Record<string, unknown>;
      const bo = b as Record<string, unknown>;
      const ak = Object.keys(ao).sort((x, y) => compareValues(x, y));
      const bk = Object.keys(bo).sort((x, y) => compareValues(x, y));
      const n = Math.min(ak.length, bk.length);
      for (let i = 0; i < n; i++) {
        const kc = compareValues(ak[i], bk[i]);
        if (kc !== 0) return kc;
        const vc = compareValues(ao[ak[i]!], bo[bk[i]!]);
        if (vc !== 0) return vc;
      }
      return ak.length - bk.length < 0 ? -1 : ak.length > bk.length ? 1 : 0;
    }
  }
}

function compareSeq(a: readonly unknown[], b: readonly unknown[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareValues(a[i], b[i]);
    if (c !== 0) return c;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

/** A set as OPA prints it: distinct values in OPA order. */
export function sortedSet<T>(values: Iterable<T>): T[] {
  const out: T[] = [];
  for (const v of [...values].sort(compareValues)) {
    if (out.length === 0 || compareValues(out[out.length - 1], v) !== 0) out.push(v);
  }
  return out;
}
