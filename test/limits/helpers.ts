// Small builders for limit tests: buckets and consume requests with explicit clocks.
import type { LimitRequest } from '../../compiler/index.ts';
import type { ConsumeRequest } from '../../server/contracts.ts';

export const T0 = 1_764_214_800_000;
export const HOUR = 3_600_000;

export function bucket(over: Partial<LimitRequest> & Pick<LimitRequest, 'id'>): LimitRequest {
  return { scope: 'session', key: 's-1', max: 5, window: 'session', cost: 1, ...over };
}

export function at(nowMs: number, buckets: readonly LimitRequest[], sessionExpiresAtMs = T0 + HOUR): ConsumeRequest {
  return { buckets, nowMs, sessionExpiresAtMs };
}
