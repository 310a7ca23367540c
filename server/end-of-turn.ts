// The end of the event-loop turn, where a turn's decisions are evaluated and answered together.
//
// Under load one turn reads many requests (every connection that has data). Their decisions
// (decide/service.ts) wait for the turn's check phase (setImmediate) and run there together,
// the evaluations back to back (engine/evaluation-queue.ts), and so do their answers:
// writing each answer the moment it is ready spreads the socket writes over the turn, and
// each write wakes the gateway's idle reader again; on loopback and in VMs that wake-up is
// the kernel's biggest cost per request. In bench/RESULTS.md sending a turn's answers back to back cut the server's CPU
// per /decide by about a quarter and raised throughput by about 40 %, with a lower p99.
//
// A caller that asks while the turn's end is being served (a decision finishing right after
// its evaluation, in the same check phase) is already there: it gets a settled promise
// rather than a wait for the next turn. An answer waits at most for the rest of its own
// turn; at low load a turn holds one request and the wait is a single setImmediate.
let barrier: Promise<void> | null = null;
let serving = false;
const NOW = Promise.resolve();

/** Resolves in this turn's check phase; every caller in the same turn shares one promise. */
export function endOfTurn(): Promise<void> {
  if (serving) return NOW;
  barrier ??= new Promise<void>((resolve) => {
    // Two immediates queued together: nothing runs between them but the first one's
    // microtasks, i.e. the work its promise releases and everything that work chains on
    // without waiting for I/O. That is the window in which the turn's end is being served.
    setImmediate(() => {
      barrier = null;
      serving = true;
      resolve();
    });
    setImmediate(() => {
      serving = false;
    });
  });
  return barrier;
}
