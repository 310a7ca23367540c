// The turn barrier the decision routes await before answering: one promise per event-loop
// turn, resolved in that turn's check phase, so a turn's answers are written together.
import { describe, expect, it } from 'vitest';
import { endOfTurn } from '../../server/routes/end-of-turn.ts';

describe('endOfTurn', () => {
  it('gives every caller of one turn the same promise, resolved only after the work already queued', async () => {
    const order: string[] = [];
    const a = endOfTurn();
    const b = endOfTurn();
    expect(a).toBe(b);
    const done = a.then(() => order.push('barrier'));
    queueMicrotask(() => order.push('microtask'));
    await done;
    expect(order.indexOf('microtask')).toBeLessThan(order.indexOf('barrier'));
  });

  it('makes a new barrier once the last one resolved, so no answer waits for a later turn than its own', async () => {
    const first = endOfTurn();
    await first;
    const second = endOfTurn();
    expect(second).not.toBe(first);
    let resolved = false;
    void second.then(() => { resolved = true; });
    await new Promise<void>((r) => setImmediate(r));
    await Promise.resolve();
    expect(resolved).toBe(true);
  });
});
