// The sealed MCP session ids (server/mcp/session-binding.ts), as an attacker would try them:
// for generated owners and server ids, a seal opens only for its own (server, agent,
// session), under its own secret, and not after any one character of it is changed, dropped
// or added; fields that run into each other ("a" + "b\0c" against "a\0b" + "c") stay apart.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createSessionBinder, randomSessionSecret, type SessionOwner } from '../../server/mcp/session-binding.ts';

const ascii = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 60 });
const owner = fc.record({ server: fc.string({ minLength: 1 }), agent: fc.string({ minLength: 1 }), session: fc.string({ minLength: 1 }) });

describe('MCP session seals', () => {
  const binder = createSessionBinder(randomSessionSecret());

  it('open for their own owner only, and give back the server\'s id', () => {
    fc.assert(fc.property(ascii, owner, owner, (id, a, b) => {
      const sealed = binder.seal(id, a);
      expect(binder.open(sealed, a)).toBe(id);
      const same = a.server === b.server && a.agent === b.agent && a.session === b.session;
      expect(binder.open(sealed, b)).toBe(same ? id : undefined);
      // only visible ASCII, as MCP requires of a session id
      expect(sealed).toMatch(/^[\x21-\x7e]+$/);
    }), { numRuns: 300 });
  });

  it('refuse any one-character change, deletion or insertion', () => {
    fc.assert(fc.property(ascii, owner, fc.nat(), fc.integer({ min: 0x21, max: 0x7e }), fc.constantFrom('change', 'drop', 'add'), (id, o, at, code, how) => {
      const sealed = binder.seal(id, o);
      const i = at % sealed.length;
      const c = String.fromCharCode(code);
      const changed = how === 'drop' ? sealed.slice(0, i) + sealed.slice(i + 1)
        : how === 'add' ? sealed.slice(0, i) + c + sealed.slice(i)
          : sealed.slice(0, i) + c + sealed.slice(i + 1);
      if (changed === sealed) return;
      const opened = binder.open(changed, o);
      // a change inside the server's id part opens nothing either: the seal covers the id
      expect(opened).toBeUndefined();
    }), { numRuns: 500 });
  });

  it('keep fields apart, refuse another secret\'s seals, the raw id and short secrets', () => {
    const a: SessionOwner = { server: 'billing', agent: 'a', session: 'b\u0000c' };
    const b: SessionOwner = { server: 'billing', agent: 'a\u0000b', session: 'c' };
    expect(binder.open(binder.seal('x', a), b)).toBeUndefined();
    const other = createSessionBinder(randomSessionSecret());
    expect(other.open(binder.seal('x', a), a)).toBeUndefined();
    expect(binder.open('x', a)).toBeUndefined();
    expect(binder.open('leash1.', a)).toBeUndefined();
    expect(() => createSessionBinder('short')).toThrow(/at least 32 characters/);
    // two processes configured with one secret accept each other's seals
    const secret = randomSessionSecret();
    expect(createSessionBinder(secret).open(createSessionBinder(secret).seal('x', a), a)).toBe('x');
  });
});
