// The turn barrier that evaluations and answers await: one promise per event-loop turn,
// resolved in that turn's check phase, so a turn's decisions are evaluated and answered
// together; a caller already inside that check phase's work is not sent to the next turn.
import { describe, expect, it } from 'vitest';
import { endOfTurn } from '../../server/end-of-turn.ts';

/** a timer: past any check phase that was being served */
const laterTimer = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

describe('endOfTurn', () => {
  it('gives every caller of one turn the same promise, resolved only after the work already queued', async () => {
    await laterTimer();
    const order: string[] = [];
    const a = endOfTurn();
    const b = endOfTurn();
    expect(a).toBe(b);
    const done = a.then(() => order.push('barrier'));
    queueMicrotask(() => order.push('microtask'));
    await done;
    expect(order.indexOf('microtask')).toBeLessThan(order.indexOf('barrier'));
  });

  it('lets work released by the barrier pass a second barrier in the same check phase, not the next turn', async () => {
    await laterTimer();
    const order: string[] = [];
    const first = endOfTurn();
    // queued after the barrier's own immediates: it runs once the barrier's work is done
    setImmediate(() => order.push('next immediate'));
    await first;
    order.push('released');
    await endOfTurn();
    order.push('second barrier');
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(order).toEqual(['released', 'second barrier', 'next immediate']);
  });

  it('makes a new barrier outside that window, resolved within one setImmediate, so no answer waits for a later turn than its own', async () => {
    await laterTimer();
    const first = endOfTurn();
    await first;
    await laterTimer();
    const second = endOfTurn();
    expect(second).not.toBe(first);
    let resolved = false;
    void second.then(() => { resolved = true; });
    await Promise.resolve();
    expect(resolved).toBe(false);
    await new Promise<void>((r) => setImmediate(r));
    await Promise.resolve();
    expect(resolved).toBe(true);
  });
});
