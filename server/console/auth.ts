// Console sign-in: the operator presents the admin token once and gets a session cookie.
// The cookie is stateless (an id and an expiry, signed with a key derived from the admin
// token), so it is valid on every worker and every server that shares the token, and
// rotating the token signs everyone out. Each cookie has its CSRF token (an HMAC of the
// cookie's id) that every state-changing request must echo in a header. A sign-out holds on
// every server that shares the sign-outs (sign-outs.ts: Redis when there is one). Failed
// admin tokens are limited per client address, at sign-in and as a bearer token alike, and
// across servers with Redis (admin/token-guesses.ts).
import { createHmac, randomBytes } from 'node:crypto';
import { createMemoryGuessLimiter, tokenMatches as equal, type GuessOutcome, type TokenGuessLimiter } from '../admin/index.ts';
import { createMemorySignOuts, type SignOuts } from './sign-outs.ts';

export const COOKIE_NAME = 'leash_console';
export const CSRF_HEADER = 'x-leash-csrf';

export interface ConsoleSession {
  readonly id: string;
  readonly expiresMs: number;
  readonly csrf: string;
}

export type LoginOutcome =
  | { readonly ok: true; readonly cookie: string; readonly session: ConsoleSession }
  | { readonly ok: false; readonly reason: 'wrong_token' | 'missing_token' | 'rate_limited'; readonly retryAfterSeconds?: number };

export interface ConsoleAuth {
  login(presented: unknown, clientAddress: string, nowMs: number): Promise<LoginOutcome>;
  /** the session a cookie header carries, when its signature and expiry hold */
  session(cookieHeader: string | undefined, nowMs: number): ConsoleSession | null;
  csrfMatches(session: ConsoleSession, presented: unknown): boolean;
  /** the bearer token itself (scripts call the console API with it, no cookie) */
  checkBearer(presented: string, clientAddress: string, nowMs: number): Promise<GuessOutcome>;
  /** rejects when the sign-out holds on this server only (the shared store was unreachable) */
  logout(session: ConsoleSession, nowMs: number): Promise<void>;
}

export interface ConsoleAuthOptions {
  readonly token: string;
  /** default 8 hours */
  readonly sessionMs?: number;
  /** failed sign-ins per client address per minute before 429 (default 5) */
  readonly maxFailuresPerMinute?: number;
  /** where sign-outs are kept (default: this process) */
  readonly signOuts?: SignOuts;
  /** where wrong tokens are counted (default: this process, maxFailuresPerMinute); the admin API shares it */
  readonly guesses?: TokenGuessLimiter;
}

const b64 = (b: Buffer) => b.toString('base64url');

export function createConsoleAuth(options: ConsoleAuthOptions): ConsoleAuth {
  const key = createHmac('sha256', options.token).update('leash console session v1').digest();
  const mac = (s: string) => b64(createHmac('sha256', key).update(s).digest());
  const sessionMs = options.sessionMs ?? 8 * 3_600_000;
  const guesses = options.guesses ?? createMemoryGuessLimiter(options.maxFailuresPerMinute);
  const signOuts = options.signOuts ?? createMemorySignOuts();

  return {
    async login(presented, address, nowMs) {
      if (typeof presented !== 'string' || presented === '') return { ok: false, reason: 'missing_token' };
      const checked = await guesses.check(address, nowMs, () => equal(presented, options.token));
      if (!checked.ok) return checked;
      const id = b64(randomBytes(18));
      const expiresMs = nowMs + sessionMs;
      const payload = `${id}.${expiresMs}`;
      return { ok: true, cookie: `v1.${payload}.${mac(payload)}`, session: { id, expiresMs, csrf: mac(`csrf:${id}`) } };
    },
    session(header, nowMs) {
      if (!header) return null;
      let value: string | undefined;
      for (const part of header.split(';')) {
        const eq = part.indexOf('=');
        if (eq > 0 && part.slice(0, eq).trim() === COOKIE_NAME) value = part.slice(eq + 1).trim();
      }
      if (!value || value.length > 200) return null;
      const m = /^v1\.([A-Za-z0-9_-]{24})\.(\d{1,15})\.([A-Za-z0-9_-]{43})$/.exec(value);
      if (!m) return null;
      const [, id, exp, sig] = m as unknown as [string, string, string, string];
      if (!equal(sig, mac(`${id}.${exp}`))) return null;
      const expiresMs = Number(exp);
      if (!(expiresMs > nowMs) || signOuts.has(id, nowMs)) return null;
      return { id, expiresMs, csrf: mac(`csrf:${id}`) };
    },
    csrfMatches(session, presented) {
      return typeof presented === 'string' && equal(presented, session.csrf);
    },
    checkBearer: (presented, address, nowMs) => guesses.check(address, nowMs, () => equal(presented, options.token)),
    logout: (session, nowMs) => signOuts.add(session.id, session.expiresMs, nowMs),
  };
}

/** Set-Cookie for a new session; `secure` when the console is reached over https */
export function sessionCookie(cookie: string, maxAgeSeconds: number, secure: boolean): string {
  return `${COOKIE_NAME}=${cookie}; Path=/console; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`;
}

export function clearedCookie(secure: boolean): string {
  return `${COOKIE_NAME}=; Path=/console; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`;
}
