// Policy: the serving bundle as loaded (revision, signature status, last reload and its
// error, policies and resources read from the bundle itself) and the "why" tool, which
// evaluates a pasted request against the serving revision and says what decided.
import { useEffect, useState } from 'preact/hooks';
import { api, handleError } from '../api.ts';

interface LimitView { id: string; scope: string; max: number; window: string; cost: number | 'computed' }
interface ResourceView { route: string; upstream: string | null; template: string; methods: string[]; rules: string[]; reads: string[]; limits?: { read: LimitView[]; write: LimitView[] } }
interface Policy {
  revision: string | null; signature: string; source: string;
  inspection: { roots: string[]; entrypoints: string[]; policies: { name: string; resources: ResourceView[] }[]; upstreams: string[]; files: { path: string; bytes: number; sha256: string }[] } | null;
  bundle: { last_successful_activation?: string | null; code?: string | null; message?: string | null; errors?: string[] } | null;
  lastFailedActivation: { at: string; error: string; serving_revision: string | null } | null;
  activations: number; failedActivations: number;
}

const EXAMPLE = JSON.stringify({ claims: { sub: 'support-bot', sid: 's-1', role: 'support', client_id: 'key-17', task: { ticketId: 'T-4891', customerId: 'C-771' } }, method: 'GET', path: '/customers/C-332/records/7' }, null, 2);

const limitText = (l: LimitView) => `${l.id}: ${l.max}${l.cost === 1 ? '' : l.cost === 'computed' ? ' (cost from the request)' : ` (cost ${l.cost})`} per ${l.scope} ${l.window === 'session' ? 'lifetime' : `in ${l.window}`}`;

function Why() {
  const [text, setText] = useState(EXAMPLE);
  const [result, setResult] = useState<{ explain: string[]; answer: unknown; revision: string } | null>(null);
  const [error, setError] = useState('');
  const submit = async (e: Event) => {
    e.preventDefault();
    setError('');
    let pasted: unknown;
    try {
      pasted = JSON.parse(text);
    } catch {
      setError('the request is not valid JSON');
      return;
    }
    try {
      setResult(await api('/explain', { method: 'POST', body: pasted }));
    } catch (err) {
      setResult(null);
      handleError(err, setError);
    }
  };
  return (
    <section aria-labelledby="why-title" class="panel">
      <h2 id="why-title">Why? Explain a request</h2>
      <form onSubmit={submit}>
        <label for="why-request">Request (JSON: the token's claims, method, path, and optionally query, headers, body, upstream; or a full policy input)</label>
        <textarea id="why-request" rows={10} spellcheck={false} value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} />
        <button type="submit">Explain</button>
      </form>
      {error && <p role="alert" class="error">{error}</p>}
      {result && (
        <div class="explain" aria-live="polite">
          <p>Revision <code>{result.revision}</code> says:</p>
          <ul>{result.explain.map((l) => <li>{l}</li>)}</ul>
          <details><summary>The whole answer</summary><pre>{JSON.stringify(result.answer, null, 2)}</pre></details>
        </div>
      )}
    </section>
  );
}

export function PolicyView() {
  const [p, setP] = useState<Policy | null>(null);
  const [error, setError] = useState('');
  useEffect(() => void api<Policy>('/policy').then(setP, (e) => handleError(e, setError)), []);
  return (
    <section>
      {error && <p role="alert" class="error">{error}</p>}
      {p && (
        <section aria-labelledby="bundle-title" class="panel">
          <h2 id="bundle-title">Serving bundle</h2>
          <dl class="identity">
            <dt>Revision</dt><dd><code>{p.revision ?? 'none loaded'}</code></dd>
            <dt>Source</dt><dd><code>{p.source}</code></dd>
            <dt>Signature</dt><dd>{p.signature}</dd>
            <dt>Last activation</dt><dd>{p.bundle?.last_successful_activation ?? '—'} ({p.activations} loaded, {p.failedActivations} refused)</dd>
            <dt>Last reload error</dt><dd>{p.lastFailedActivation ? <span class="error">{p.lastFailedActivation.at}: {p.lastFailedActivation.error}</span> : 'none'}</dd>
          </dl>
        </section>
      )}
      {p?.inspection?.policies.map((pol) => (
        <section aria-labelledby={`pol-${pol.name}`} class="panel">
          <h2 id={`pol-${pol.name}`}>Policy {pol.name}</h2>
          <table>
            <caption class="visually-hidden">Resources of {pol.name}</caption>
            <thead><tr><th scope="col">Route</th><th scope="col">Methods</th><th scope="col">Path</th><th scope="col">Rules</th><th scope="col">Reads</th><th scope="col">Limits</th></tr></thead>
            <tbody>{pol.resources.map((r) => (
              <tr>
                <td>{r.route}</td><td>{r.methods.join(', ')}</td><td><code>{r.upstream ? `${r.upstream} ` : ''}{r.template}</code></td>
                <td>{r.rules.join(', ') || '—'}</td><td>{r.reads.join(', ') || '—'}</td>
                <td>{[...(r.limits?.read ?? []).map((l) => `read ${limitText(l)}`), ...(r.limits?.write ?? []).map((l) => `write ${limitText(l)}`)].map((t) => <div>{t}</div>)}</td>
              </tr>
            ))}</tbody>
          </table>
        </section>
      ))}
      <Why />
    </section>
  );
}
