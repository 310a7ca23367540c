// Sessions: every session that made a call lately, with its identity, its limits as bars
// against their maximum (and when each is full again), its recent calls and denials, and the
// actions: quarantine or release the session, stop its agent or its key fleet-wide.
import { useEffect, useState } from 'preact/hooks';
import { api, handleError, poll } from '../api.ts';
import { ConfirmDialog, type ConfirmRequest } from '../confirm.tsx';
import { ago, duration, short, time } from '../format.ts';
import type { KillSwitch, QuarantineView, SessionView } from '../types.ts';

interface SessionsAnswer { now: number; sessions: SessionView[]; quarantinedIdle: QuarantineView[]; killSwitches: KillSwitch[] }

function LimitBar({ l, now }: { l: SessionView['limits'][number]; now: number }) {
  const used = l.limit - l.remaining;
  const refill = Math.max(0, (l.fullMs ?? l.resetMs) - (now - l.at));
  const id = `limit-${l.id}-${l.at}`.replace(/[^A-Za-z0-9_-]/g, '_');
  return (
    <div class="limit">
      <label for={id}>{l.id}: {used} of {l.limit} used</label>
      <meter id={id} min={0} max={l.limit} value={used} high={l.limit * 0.8} optimum={0} />
      <span class="muted">{refill > 0 ? `full again in ${duration(refill)}` : 'full'}</span>
    </div>
  );
}

export function SessionsView() {
  const [data, setData] = useState<SessionsAnswer | null>(null);
  const [error, setError] = useState('');
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);
  const load = () => api<SessionsAnswer>('/sessions').then((d) => { setData(d); setError(''); }, (e) => handleError(e, setError));
  useEffect(() => poll(load, 2_000), []);

  const act = (c: Omit<ConfirmRequest, 'run'>, path: string, body: (reason: string) => unknown) =>
    setConfirm({ ...c, run: async (reason) => { await api(path, { method: 'POST', body: body(reason) }); await load(); } });
  const quarantine = (s: string) => act({ title: `Quarantine session ${s}?`, body: 'Every next call of this session is refused (403 quarantined) on every server until it is released.', action: 'Quarantine', withReason: true }, `/sessions/${encodeURIComponent(s)}/quarantine`, (reason) => (reason ? { reason } : {}));
  const release = (s: string) => act({ title: `Release session ${s}?`, body: 'Its calls are decided by the policy again.', action: 'Release' }, `/sessions/${encodeURIComponent(s)}/release`, () => ({}));
  const kill = (kind: 'agent' | 'key', id: string) => act({ title: `Stop ${kind} ${id} everywhere?`, body: `Every call of every session of this ${kind} is refused on every server (403 kill_switch) until the switch is turned off.`, action: `Stop ${kind}`, withReason: true }, '/kill-switches', (reason) => ({ kind, id, ...(reason ? { reason } : {}) }));
  const revive = (kind: 'agent' | 'key', id: string) => act({ title: `Turn off the kill switch for ${kind} ${id}?`, body: 'Its calls are decided by the policy again.', action: 'Turn off' }, '/kill-switches/release', () => ({ kind, id }));

  const now = data?.now ?? Date.now();
  return (
    <section>
      {error && <p role="alert" class="error">{error}</p>}
      {data && data.killSwitches.length > 0 && (
        <section aria-labelledby="kill-title" class="panel warn">
          <h2 id="kill-title">Kill switches on</h2>
          <ul>{data.killSwitches.map((k) => (
            <li>{k.kind} <strong>{k.id}</strong> — {k.reason} (since {time(k.sinceMs)}) <button type="button" onClick={() => revive(k.kind, k.id)}>Turn off for {k.kind} {k.id}</button></li>
          ))}</ul>
        </section>
      )}
      {data && data.quarantinedIdle.length > 0 && (
        <section aria-labelledby="idle-title" class="panel">
          <h2 id="idle-title">Quarantined, no recent call</h2>
          <ul>{data.quarantinedIdle.map((q) => (
            <li><strong>{q.session}</strong> — {q.reason} <button type="button" onClick={() => release(q.session)}>Release {q.session}</button></li>
          ))}</ul>
        </section>
      )}
      {data && data.sessions.length === 0 && <p class="empty">No session made a call in the last 15 minutes.</p>}
      <ul class="sessions">
        {data?.sessions.map((s) => (
          <li class={`session ${s.quarantine ? 'quarantined' : ''} ${s.killSwitch ? 'killed' : ''}`} data-session={s.session}>
            <article aria-labelledby={`s-${s.session}`}>
              <h2 id={`s-${s.session}`}>Session {s.session}</h2>
              <dl class="identity">
                <dt>Agent</dt><dd>{s.agent ?? '—'}</dd>
                <dt>Key</dt><dd>{s.key ?? '—'}</dd>
                <dt>Task</dt><dd><code>{s.task === null ? '—' : short(s.task, 120)}</code></dd>
                <dt>Calls</dt><dd>{s.calls} ({s.denials} denied)</dd>
                <dt>Last call</dt><dd>{ago(s.lastSeen, now)}</dd>
              </dl>
              {s.quarantine && <p class="status bad">Quarantined: {s.quarantine.reason}</p>}
              {s.killSwitch && <p class="status bad">Stopped by the kill switch ({s.killSwitch.kind} {s.killSwitch.id}): {s.killSwitch.reason}</p>}
              <div class="limits">{s.limits.length === 0 ? <span class="muted">No limit counted yet.</span> : s.limits.map((l) => <LimitBar l={l} now={now} />)}</div>
              <details>
                <summary>Recent calls ({s.recent.length})</summary>
                <ol class="recent">{s.recent.map((c) => (
                  <li class={c.allow ? 'allow' : 'deny'}><time>{time(c.time)}</time> <code>{c.method} {c.path}</code> <span class={`badge ${c.allow ? 'ok' : 'bad'}`}>{c.status}</span> {c.code ?? c.rule ?? ''}</li>
                ))}</ol>
              </details>
              <div class="actions">
                {s.quarantine
                  ? <button type="button" onClick={() => release(s.session)}>Release session {s.session}</button>
                  : <button type="button" class="danger" onClick={() => quarantine(s.session)}>Quarantine session {s.session}</button>}
                {s.agent && !s.killSwitch && <button type="button" class="danger" onClick={() => kill('agent', s.agent!)}>Stop agent {s.agent}</button>}
                {s.key && !s.killSwitch && <button type="button" class="danger" onClick={() => kill('key', s.key!)}>Stop key {s.key}</button>}
              </div>
            </article>
          </li>
        ))}
      </ul>
      <ConfirmDialog request={confirm} onDone={() => setConfirm(null)} />
    </section>
  );
}
