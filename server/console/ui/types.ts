// The shapes the console API answers with (server/console/summary.ts and store.ts).
export interface BucketState { id: string; limit: number; remaining: number; resetMs: number; fullMs?: number }
export interface DecisionSummary {
  id: string; time: number; server: string; via: string; method: string; path: string; upstream: string | null;
  agent: string | null; session: string | null; key: string | null; policy: string | null; resources: string[];
  rule: string | null; allow: boolean; status: number; code: string | null; class: string | null; reasons: string[];
  priority: string; access: string; limits: BucketState[]; revision: string | null; durationMs: number; task: unknown;
}
export interface RecentCall { time: number; method: string; path: string; allow: boolean; status: number; rule: string | null; code: string | null }
export interface QuarantineView { session: string; reason: string; by: string; since: number; until: number }
export interface KillSwitch { kind: 'agent' | 'key'; id: string; reason: string; sinceMs: number }
export interface SessionView {
  session: string; agent: string | null; key: string | null; task: unknown; firstSeen: number; lastSeen: number;
  calls: number; denials: number; limits: (BucketState & { at: number })[]; recent: RecentCall[];
  quarantine: QuarantineView | null; killSwitch: KillSwitch | null;
}
export interface AlertDelivery { id: number; server: string; what: string; text: string; createdMs: number; state: string; attempts: number; lastError?: string; settledMs?: number }
export interface ChartPoint { t: number; decisionsPerSecond: number; denialsPerSecond: number; p50: number | null; p99: number | null }
/** 'fleet': every worker and server sharing the Redis; 'server': the one that answered (server/console/fleet-*.ts) */
export type Scope = 'fleet' | 'server';
export interface AlertsView { alerts: AlertDelivery[]; scope: Scope; notice?: string }
export interface ChartsView { points: ChartPoint[]; scope: Scope; notice?: string }
