// A local mirror of a small Redis value that every server re-reads on a timer (kill switches,
// console sign-outs): the first read to wait for at start, then one read every `everyMs`
// until stopped. The read itself keeps the last copy when Redis cannot be reached.
export interface MirrorTimer {
  /** resolves when the first read has finished (it never rejects) */
  readonly first: Promise<void>;
  /** stops the timer; later calls do nothing */
  stop(): void;
}

export function mirrorEvery(read: () => Promise<void>, everyMs: number): MirrorTimer {
  const first = read();
  const timer = setInterval(() => void read(), everyMs);
  timer.unref();
  return { first, stop: () => clearInterval(timer) };
}
