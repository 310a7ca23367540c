// Prometheus metrics of a Redis limit store, read from its stats when scraped:
// leash_limit_store_resets_total{node} (a node lost its data: counters restarted from
// zero; docs/limits.md "Durability") and leash_limit_refunds_total{result} (Cluster
// decisions refused by one subject group and given back in the others) and
// leash_limit_ordered_retries_total (such decisions retried group by group).
import { Counter, type Registry } from 'prom-client';
import type { LimitStore } from '../contracts.ts';
import type { RedisLimitStore } from './redis-store.ts';

function hasStats(store: LimitStore): store is RedisLimitStore {
  return typeof (store as Partial<RedisLimitStore>).stats === 'function';
}

/** registers nothing for a store without stats (the memory store) */
export function registerLimitStoreMetrics(registry: Registry, store: LimitStore): void {
  if (!hasStats(store)) return;
  new Counter({
    name: 'leash_limit_store_resets_total',
    help: 'Times a Redis node of the limit store was found to have lost its data (every counter on it restarted from zero)',
    labelNames: ['node'] as const,
    registers: [registry],
    // every `--workers N` worker watches the same markers and sees the same reset: summed,
    // one reset would read N
    aggregator: 'max',
    collect() {
      this.reset();
      for (const [node, n] of Object.entries(store.stats().resets)) this.inc({ node }, n);
    },
  });
  new Counter({
    name: 'leash_limit_refunds_total',
    help: 'Bucket keys given back after another subject group of the same decision refused (Redis Cluster), by result: full, partial (time had passed), failed (store unreachable)',
    labelNames: ['result'] as const,
    registers: [registry],
    collect() {
      this.reset();
      const r = store.stats().refunds;
      this.inc({ result: 'full' }, r.full);
      this.inc({ result: 'partial' }, r.partial);
      this.inc({ result: 'failed' }, r.failed);
    },
  });
  new Counter({
    name: 'leash_limit_ordered_retries_total',
    help: 'Redis Cluster decisions refused by some subject groups and admitted by others, retried once group by group in the global order',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(store.stats().orderedRetries);
    },
  });
}
