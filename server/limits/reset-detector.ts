// Notices that Redis lost the limit counters (a restart without persistence, a FLUSHALL,
// a node replaced empty): one marker key per master, without a TTL, written once with a
// value naming its creator. A marker that vanished or changed means the node's data was
// lost, so every counter on it restarted from zero. Checked on every (re)connect and
// periodically, never on the decision path: one GET per master per check.
import { randomBytes } from 'node:crypto';
import { isCluster, keySlot, type RedisClient } from '../redis/index.ts';
import { storeKey } from './keys.ts';

export interface ResetDetector {
  /** looks once now (also runs on its own); resolves when done, never rejects */
  check(): Promise<void>;
  /** resets seen so far, by node (host:port, or the store's description on a single Redis) */
  resets(): ReadonlyMap<string, number>;
  stop(): void;
}

/** keys tried per master to find one whose slot it serves; far more than enough for any cluster size */
const MAX_CANDIDATES = 100_000;

export function createResetDetector(client: RedisClient, prefix: string, where: string, everyMs: number, onReset: (node: string) => void): ResetDetector {
  // a fresh value per write: a marker this server wrote before the reset must not match
  const fresh = () => `${Date.now()}-${randomBytes(6).toString('hex')}`;
  const seen = new Map<string, string>(); // marker key -> the value it had
  const counts = new Map<string, number>();
  let running: Promise<void> | undefined;
  let stopped = false;

  /** marker key -> the node it lives on */
  function markers(): Map<string, string> {
    const out = new Map<string, string>();
    if (!isCluster(client)) {
      out.set(storeKey(prefix, 'marker'), where);
      return out;
    }
    const slots = client.slots;
    const masters = new Set<string>();
    for (const owners of slots) if (owners?.[0]) masters.add(owners[0]);
    for (let i = 0; masters.size > 0 && i < MAX_CANDIDATES; i++) {
      const key = storeKey(prefix, `marker:${i}`);
      const owner = slots[keySlot(key)]?.[0];
      if (owner && masters.delete(owner)) out.set(key, owner);
    }
    return out;
  }

  async function checkOne(key: string, node: string): Promise<void> {
    const before = seen.get(key);
    let value = await client.get(key);
    if (value === null) {
      const mine = fresh();
      if ((await client.set(key, mine, 'NX')) === 'OK') value = mine;
      else value = await client.get(key);
    }
    if (value === null) {
      // written and gone again at once: a node flapping; count it now and look again later
      if (before === undefined) return;
      seen.delete(key);
    } else seen.set(key, value);
    if (before !== undefined && before !== value) {
      counts.set(node, (counts.get(node) ?? 0) + 1);
      onReset(node);
    }
  }

  async function checkAll(): Promise<void> {
    if (stopped) return;
    const status = (client as { status?: string }).status;
    if (status !== 'ready') return;
    await Promise.all([...markers()].map(([key, node]) => checkOne(key, node).catch(() => undefined)));
  }

  function check(): Promise<void> {
    running ??= checkAll().finally(() => {
      running = undefined;
    });
    return running;
  }

  const onConnect = () => void check();
  client.on('ready', onConnect);
  if (isCluster(client)) client.on('+node', onConnect);
  const timer = everyMs > 0 ? setInterval(onConnect, everyMs) : undefined;
  timer?.unref();
  if ((client as { status?: string }).status === 'ready') void check();

  return {
    check,
    resets: () => counts,
    stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      client.off('ready', onConnect);
      if (isCluster(client)) client.off('+node', onConnect);
    },
  };
}
