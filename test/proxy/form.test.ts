// Form bodies as the policy sees them (Stripe's encoding) and the ambiguous shapes the
// proxy refuses because the upstream could read them differently.
import { describe, expect, it } from 'vitest';
import { parseForm } from '../../server/proxy/form.ts';
import { findDuplicateKey } from '../../server/proxy/json-keys.ts';

const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

describe('parseForm', () => {
  it('reads nested fields, lists, indexed lists and typed scalars', () => {
    const parsed = parseForm('charge=ch_1&amount=500&reverse_transfer=true&metadata[order]=42&metadata[note]=a+b%21&expand[]=charge&expand[]=x&items[1][price]=p2&items[0][price]=p1&rate=1.5&id=007');
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(plain(parsed.value)).toEqual({
      charge: 'ch_1',
      amount: 500,
      reverse_transfer: true,
      metadata: { order: 42, note: 'a b!' },
      expand: ['charge', 'x'],
      items: [{ price: 'p1' }, { price: 'p2' }],
      rate: 1.5,
      id: '007',
    });
  });

  it('keeps __proto__ as a plain field', () => {
    const parsed = parseForm('__proto__[admin]=true&a=1');
    expect(parsed.ok && Object.getPrototypeOf({})).not.toHaveProperty('admin');
    expect(parsed.ok && plain(parsed.value)).toEqual({ ['__proto__']: { admin: true }, a: 1 });
  });

  it.each([
    ['amount=1&amount=99999', 'more than once'],
    ['metadata=1&metadata[a]=2', 'both a value and a structure'],
    ['metadata[a]=2&metadata=1', 'both a value and a structure'],
    ['a[b=1', 'unbalanced'],
    ['a]=1', 'unbalanced'],
    ['a[][b]=1', 'pushes a structure'],
    ['a=%E0%A4%A', 'percent-encoding'],
    ['a[x]=1&a[]=2', 'mixes [] and named keys'],
    ['a[]=1&a[x]=2', 'mixes [] and named keys'],
    ['[x]=1', 'unbalanced'],
  ])('refuses %s', (text, reason) => {
    const parsed = parseForm(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toContain(reason);
  });
});

describe('findDuplicateKey', () => {
  it('finds a key repeated in one object, at any depth, escapes decoded', () => {
    expect(findDuplicateKey('{"amount":1,"amount":99999}')).toBe('amount');
    expect(findDuplicateKey('{"a":{"b":1,"\\u0062":2}}')).toBe('b');
    expect(findDuplicateKey('[{"a":1},{"a":2}]')).toBeUndefined();
    expect(findDuplicateKey('{"a":"x\\"y","b":["a","a"],"c":{"a":1}}')).toBeUndefined();
  });
});
