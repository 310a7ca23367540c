// A refused bundle alerts once for the deployment: every worker and server loads the bundle
// itself and refuses it alike, and with Redis only the first to claim the (bundle, reason)
// key sends. Real Redis, real notifiers posting to a local webhook receiver.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBundleAlerter, createNotifier, fleetAlertClaim, redisAlertFleet } from '../../server/alerts/index.ts';
import { connectRedis } from '../../server/redis/index.ts';
import { quietLog, startReceiver, type Receiver } from './fixtures.ts';
import { freePort, REDIS_URL, redisScratch } from '../limits/redis-helpers.ts';

const scratch = redisScratch('bundle-alerts');
let rx: Receiver;

beforeAll(async () => {
  rx = await startReceiver();
});
afterAll(async () => {
  await rx.close();
});

/** one "worker": its own notifier and alerter, claiming in the given Redis (still connecting, as at start-up) */
function worker(redisUrl: string, repeatAfterMs = 600_000) {
  const client = connectRedis(redisUrl);
  client.on('error', () => undefined);
  scratch.clients.push(client as never);
  const notifier = createNotifier({ webhookUrl: rx.url, log: quietLog(), digestEveryMs: 3_600_000 });
  return createBundleAlerter(notifier, { repeatAfterMs, claim: fleetAlertClaim(redisAlertFleet(client, scratch.prefix)) });
}

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));
const texts = () => rx.received.map((r) => (r.body as { text: string }).text);

describe('bundle rejection alerts across workers', () => {
  it('sends one alert for a bundle and reason that four workers refuse, and one more for a new reason', async () => {
    const before = rx.received.length;
    const workers = [worker(REDIS_URL), worker(REDIS_URL), worker(REDIS_URL), worker(REDIS_URL)];
    for (const w of workers) w.rejected('bundles/prod.tar.gz', 'signature does not verify', 'rev-1');
    await rx.waitFor(before + 1);
    await settle(500);
    expect(rx.received.length).toBe(before + 1);
    expect(texts().at(-1)).toContain('signature does not verify');
    for (const w of workers) w.rejected('bundles/prod.tar.gz', 'policy.wasm is missing', 'rev-1');
    await rx.waitFor(before + 2);
    await settle(500);
    expect(rx.received.length).toBe(before + 2);
    expect(texts().at(-1)).toContain('policy.wasm is missing');
  });

  it('alerts again once the repeat window has passed in Redis, from whichever worker comes first', async () => {
    const before = rx.received.length;
    const a = worker(REDIS_URL, 400);
    const b = worker(REDIS_URL, 400);
    a.rejected('bundles/next.tar.gz', 'bad manifest', null);
    b.rejected('bundles/next.tar.gz', 'bad manifest', null);
    await rx.waitFor(before + 1);
    await settle(600);
    b.rejected('bundles/next.tar.gz', 'bad manifest', null);
    await rx.waitFor(before + 2);
    await settle(300);
    expect(rx.received.length).toBe(before + 2);
  });

  it('sends from every worker when Redis cannot be reached (after waiting for it to connect): a duplicate rather than no alert', async () => {
    const before = rx.received.length;
    const down = `redis://127.0.0.1:${await freePort()}`;
    const a = worker(down);
    const b = worker(down);
    a.rejected('bundles/prod.tar.gz', 'digest mismatch', 'rev-2');
    b.rejected('bundles/prod.tar.gz', 'digest mismatch', 'rev-2');
    const got = await rx.waitFor(before + 2);
    expect(got.slice(before).map((r) => (r.body as { text: string }).text)).toEqual([expect.stringContaining('digest mismatch'), expect.stringContaining('digest mismatch')]);
  });
});
