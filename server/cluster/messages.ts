// The IPC messages between the `leash serve --workers N` primary and its workers. Every
// type starts with `leash:` so prom-client's own cluster messages pass by untouched.
import type { LeashConfig } from '../config/index.ts';

export type ToWorker =
  /** the resolved configuration (sent over IPC, never in the environment: it may hold secrets) */
  | { readonly type: 'leash:start'; readonly config: LeashConfig; readonly slot: number; readonly workers: number }
  | { readonly type: 'leash:reload' }
  | { readonly type: 'leash:shutdown' }
  | { readonly type: 'leash:metrics-response'; readonly id: number; readonly text?: string; readonly error?: string };

export type ToPrimary =
  | { readonly type: 'leash:hello' }
  | { readonly type: 'leash:listening'; readonly url: string; readonly adminUrl?: string }
  | { readonly type: 'leash:start-failed'; readonly message: string }
  | { readonly type: 'leash:metrics-request'; readonly id: number };

export function isMessage<T extends { type: string }>(value: unknown): value is T {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string' && (value as { type: string }).type.startsWith('leash:');
}
