// What the translator needs to know about a TypeScript type: which JSON kinds a value of
// that type can be at run time. Decides `+` (add or join), whether `===` compares
// primitives, and whether `.includes` means a substring or an array member.
import { ts, type Node, type Type } from 'ts-morph';

export type Tag = 'string' | 'number' | 'boolean' | 'null' | 'undefined' | 'array' | 'object' | 'unknown';

export function tagsOf(t: Type): Set<Tag> {
  const out = new Set<Tag>();
  const visit = (x: Type): void => {
    if (x.isUnion()) { for (const m of x.getUnionTypes()) visit(m); return; }
    const f = x.getFlags();
    if (f & ts.TypeFlags.StringLike) out.add('string');
    else if (f & ts.TypeFlags.NumberLike) out.add('number');
    else if (f & ts.TypeFlags.BooleanLike) out.add('boolean');
    else if (f & ts.TypeFlags.Null) out.add('null');
    else if (f & (ts.TypeFlags.Undefined | ts.TypeFlags.Void)) out.add('undefined');
    else if (f & (ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.TypeParameter)) out.add('unknown');
    else if (x.isArray() || x.isReadonlyArray() || x.isTuple()) out.add('array');
    else if (x.isIntersection()) { for (const m of x.getIntersectionTypes()) visit(m); }
    else out.add('object');
  };
  visit(t);
  return out;
}

export const typeTags = (n: Node): Set<Tag> => tagsOf(n.getType());

const defined = (tags: Set<Tag>): Tag[] => [...tags].filter((t) => t !== 'undefined');

/** Only string, number, boolean or null (undefined aside). */
export const isPrimitive = (tags: Set<Tag>): boolean =>
  defined(tags).length > 0 && defined(tags).every((t) => t === 'string' || t === 'number' || t === 'boolean' || t === 'null');

/** Exactly one kind (undefined aside), e.g. 'string'. */
export const onlyTag = (tags: Set<Tag>): Tag | null => {
  const d = defined(tags);
  return d.length === 1 ? d[0]! : null;
};

export const describe = (tags: Set<Tag>): string => [...tags].sort().join(' | ');
