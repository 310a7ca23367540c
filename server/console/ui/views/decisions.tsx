// Live decisions: the recent history, then every new decision as the server streams it
// (server-sent events), filtered by agent, session, policy, resource, outcome, priority or
// free text; pausing keeps the list still and counts what arrived meanwhile.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, handleError, query } from '../api.ts';
import { short, time } from '../format.ts';
import type { DecisionSummary } from '../types.ts';

const FIELDS = [
  ['agent', 'Agent'], ['session', 'Session'], ['policy', 'Policy'], ['resource', 'Resource'],
] as const;
const EMPTY = { agent: '', session: '', policy: '', resource: '', outcome: '', priority: '', q: '' };
const MAX_ROWS = 500;

export function DecisionsView() {
  const [draft, setDraft] = useState(EMPTY);
  const [filter, setFilter] = useState(EMPTY);
  const [rows, setRows] = useState<DecisionSummary[]>([]);
  const [paused, setPaused] = useState(false);
  const [held, setHeld] = useState<DecisionSummary[]>([]);
  const [live, setLive] = useState<'connecting' | 'live' | 'reconnecting'>('connecting');
  const [error, setError] = useState('');
  const pausedRef = useRef(paused);
  pausedRef.current = paused;

  useEffect(() => {
    let closed = false;
    const q = query(filter);
    api<{ decisions: DecisionSummary[] }>(`/decisions${q}`).then((r) => !closed && setRows(r.decisions), (e) => handleError(e, setError));
    const source = new EventSource(`/console/api/decisions/stream${q}`);
    source.onopen = () => setLive('live');
    source.onerror = () => setLive('reconnecting');
    source.addEventListener('decisions', (e) => {
      const batch = (JSON.parse((e as MessageEvent<string>).data) as DecisionSummary[]).reverse();
      if (pausedRef.current) setHeld((h) => [...batch, ...h].slice(0, MAX_ROWS));
      else setRows((r) => [...batch, ...r].slice(0, MAX_ROWS));
    });
    return () => {
      closed = true;
      source.close();
    };
  }, [filter]);

  const resume = () => {
    setRows((r) => [...held, ...r].slice(0, MAX_ROWS));
    setHeld([]);
    setPaused(false);
  };
  const set = (k: keyof typeof EMPTY) => (e: Event) => setDraft({ ...draft, [k]: (e.target as HTMLInputElement).value });

  return (
    <section aria-labelledby="decisions-filter">
      <form class="filters" onSubmit={(e) => { e.preventDefault(); setFilter(draft); }}>
        <h2 id="decisions-filter" class="visually-hidden">Filter</h2>
        {FIELDS.map(([k, label]) => (
          <span class="field"><label for={`f-${k}`}>{label}</label><input id={`f-${k}`} value={draft[k]} onInput={set(k)} /></span>
        ))}
        <span class="field">
          <label for="f-outcome">Outcome</label>
          <select id="f-outcome" value={draft.outcome} onChange={set('outcome')}>
            <option value="">any</option><option value="allow">allowed</option><option value="deny">denied</option>
            <option value="403">403</option><option value="429">429 (limit)</option><option value="401">401 (token)</option>
            <option value="quarantined">quarantined</option><option value="kill_switch">kill switch</option>
          </select>
        </span>
        <span class="field">
          <label for="f-priority">Priority</label>
          <select id="f-priority" value={draft.priority} onChange={set('priority')}>
            <option value="">any</option><option value="normal">normal</option><option value="high">high</option><option value="critical">critical</option>
          </select>
        </span>
        <span class="field wide"><label for="f-q">Search</label><input id="f-q" type="search" value={draft.q} onInput={set('q')} placeholder="path, reason, rule, id…" /></span>
        <button type="submit">Apply</button>
        <button type="button" class="quiet" onClick={() => { setDraft(EMPTY); setFilter(EMPTY); }}>Clear</button>
      </form>
      <div class="toolbar">
        <span class={`live ${live}`} role="status" aria-live="polite">{live === 'live' ? 'Live' : live === 'connecting' ? 'Connecting…' : 'Reconnecting…'}</span>
        <button type="button" aria-pressed={paused} onClick={() => (paused ? resume() : setPaused(true))}>{paused ? `Resume (${held.length} new)` : 'Pause'}</button>
        <span class="count">{rows.length} shown</span>
      </div>
      {error && <p role="alert" class="error">{error}</p>}
      <table class="decisions">
        <caption class="visually-hidden">Decisions, newest first</caption>
        <thead><tr><th scope="col">Time</th><th scope="col">Outcome</th><th scope="col">Request</th><th scope="col">Agent / session</th><th scope="col">Rule</th><th scope="col">Reason</th><th scope="col">Limits</th></tr></thead>
        <tbody>
          {rows.map((d) => (
            <tr key={d.id} data-decision-id={d.id} class={d.allow ? 'allow' : 'deny'}>
              <td><time dateTime={new Date(d.time).toISOString()}>{time(d.time)}</time></td>
              <td><span class={`badge ${d.allow ? 'ok' : 'bad'}`}>{d.allow ? 'allow' : 'deny'} {d.status}</span>{d.code && <span class="code">{d.code}</span>}{d.priority !== 'normal' && <span class={`badge ${d.priority}`}>{d.priority}</span>}</td>
              <td><code>{d.method} {d.path}</code>{d.policy && <div class="muted">{d.resources.join(', ')}</div>}</td>
              <td>{d.agent ?? '—'}<div class="muted">{d.session ?? ''}{d.key ? ` · ${d.key}` : ''}</div></td>
              <td>{d.rule ?? '—'}</td>
              <td class="reason">{d.reasons.map((r) => <div>{short(r, 160)}</div>)}</td>
              <td>{d.limits.map((l) => <div class="muted">{l.id}: {l.remaining}/{l.limit}</div>)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length === 0 && <p class="empty">No decision yet{filter === EMPTY ? '' : ' matches the filter'}.</p>}
    </section>
  );
}
