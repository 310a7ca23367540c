// The console's shell: sign-in, the navigation between views (kept in the URL's hash, so
// the back button and bookmarks work) and the view itself.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, setCsrf } from './api.ts';
import { DecisionsView } from './views/decisions.tsx';
import { SessionsView } from './views/sessions.tsx';
import { AlertsView } from './views/alerts.tsx';
import { PolicyView } from './views/policy.tsx';
import { ChartsView } from './views/charts.tsx';

const VIEWS = [
  { id: 'decisions', label: 'Live decisions', View: DecisionsView },
  { id: 'sessions', label: 'Sessions', View: SessionsView },
  { id: 'alerts', label: 'Alerts', View: AlertsView },
  { id: 'policy', label: 'Policy', View: PolicyView },
  { id: 'charts', label: 'Charts', View: ChartsView },
] as const;

type ViewId = (typeof VIEWS)[number]['id'];

const viewFromHash = (): ViewId => {
  const id = location.hash.replace(/^#\/?/, '');
  return (VIEWS.find((v) => v.id === id)?.id ?? 'decisions') as ViewId;
};

function Login({ onSignedIn, notice }: { onSignedIn: () => void; notice: string }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState(notice);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const r = await api<{ csrf: string }>('/login', { method: 'POST', body: { token } });
      setCsrf(r.csrf);
      setToken('');
      onSignedIn();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'the console could not be reached');
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="login" id="main">
      <h1>Leash console</h1>
      <form onSubmit={submit}>
        <label for="token">Admin token</label>
        <input id="token" name="token" type="password" autocomplete="current-password" required value={token} onInput={(e) => setToken((e.target as HTMLInputElement).value)} autofocus />
        <button type="submit" disabled={busy}>Sign in</button>
        {error && <p role="alert" class="error">{error}</p>}
      </form>
      <p class="hint">The token is the server's <code>admin.token</code> (<code>LEASH_ADMIN_TOKEN</code>); with <code>--dev</code> it is in <code>.leash/admin-token</code>. It is sent once and never shown.</p>
    </main>
  );
}

function App() {
  const [phase, setPhase] = useState<'loading' | 'signed-out' | 'in'>('loading');
  // why the last sign-out did not hold everywhere, shown on the sign-in page
  const [signOutNotice, setSignOutNotice] = useState('');
  const [view, setView] = useState<ViewId>(viewFromHash());

  useEffect(() => {
    api<{ csrf?: string }>('/me')
      .then((me) => {
        if (me.csrf) setCsrf(me.csrf);
        setPhase('in');
      })
      .catch(() => setPhase('signed-out'));
    const onHash = () => setView(viewFromHash());
    addEventListener('hashchange', onHash);
    const onSignedOut = () => setPhase('signed-out');
    addEventListener('leash:signed-out', onSignedOut);
    return () => {
      removeEventListener('hashchange', onHash);
      removeEventListener('leash:signed-out', onSignedOut);
    };
  }, []);

  if (phase === 'loading') return <p class="loading">Loading…</p>;
  if (phase === 'signed-out') return <Login onSignedIn={() => { setSignOutNotice(''); setPhase('in'); }} notice={signOutNotice} />;
  const current = VIEWS.find((v) => v.id === view)!;
  const signOut = async () => {
    // the cookie is cleared either way; a sign-out other servers did not get is said, not hidden
    await api('/logout', { method: 'POST' }).catch((err: unknown) => {
      if (err instanceof ApiError && err.code === 'sign_out_not_shared') setSignOutNotice(err.message);
    });
    setPhase('signed-out');
  };
  return (
    <>
      <a class="skip" href="#main">Skip to the view</a>
      <header>
        <span class="brand">Leash</span>
        <nav aria-label="Console views">
          {VIEWS.map((v) => (
            <a href={`#/${v.id}`} aria-current={v.id === view ? 'page' : undefined}>{v.label}</a>
          ))}
        </nav>
        <button type="button" class="quiet" onClick={signOut}>Sign out</button>
      </header>
      <main id="main" tabIndex={-1}>
        <h1>{current.label}</h1>
        <current.View />
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
