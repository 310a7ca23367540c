// Calls to the console API: JSON in and out, the session cookie sent by the browser, and the
// session's CSRF token echoed on every POST.
let csrf = '';

export function setCsrf(token: string): void {
  csrf = token;
}

export class SignedOut extends Error {}

export class ApiError extends Error {
  constructor(message: string, readonly status: number, readonly code: string) {
    super(message);
  }
}

export async function api<T>(path: string, options: { method?: 'GET' | 'POST'; body?: unknown } = {}): Promise<T> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method === 'POST') {
    headers['content-type'] = 'application/json';
    headers['x-leash-csrf'] = csrf;
  }
  const res = await fetch(`/console/api${path}`, {
    method,
    headers,
    credentials: 'same-origin',
    ...(method === 'POST' ? { body: JSON.stringify(options.body ?? {}) } : {}),
  });
  const body = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
  if (res.status === 401 && path !== '/login') throw new SignedOut(body.message ?? 'signed out');
  if (!res.ok) throw new ApiError(body.message ?? `the console API answered ${res.status}`, res.status, body.code ?? 'error');
  return body as T;
}

export function query(params: Record<string, string>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** a view that got a 401 signs the console out (the cookie expired or the token rotated) */
export function handleError(err: unknown, show: (message: string) => void): void {
  if (err instanceof SignedOut) dispatchEvent(new Event('leash:signed-out'));
  else show(err instanceof Error ? err.message : String(err));
}

/** polls `load` every `everyMs` while the view is shown */
export function poll(load: () => Promise<void>, everyMs: number): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const tick = async () => {
    await load();
    if (!stopped) timer = setTimeout(tick, everyMs);
  };
  void tick();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
