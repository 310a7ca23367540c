// Alerts: write anomalies, quarantines, digests and bundle rejections, newest first, with
// how their delivery to the webhook went (delivered, retrying, failed, or logged when no
// webhook is configured). With Redis they are every worker's and server's, each with the
// server that sent it.
import { useEffect, useState } from 'preact/hooks';
import { api, handleError, poll } from '../api.ts';
import { time } from '../format.ts';
import type { AlertsView } from '../types.ts';

const STATE_TEXT: Record<string, string> = { delivered: 'webhook answered', retrying: 'retrying', failed: 'failed', logged: 'logged (no webhook)', sending: 'sending' };

export function AlertsView() {
  const [view, setView] = useState<AlertsView | null>(null);
  const [error, setError] = useState('');
  useEffect(() => poll(() => api<AlertsView>('/alerts').then(setView, (e) => handleError(e, setError)), 2_000), []);
  const alerts = view?.alerts;
  // the server column only when there is more than one to tell apart
  const servers = new Set(alerts?.map((a) => a.server)).size > 1;
  return (
    <section>
      {error && <p role="alert" class="error">{error}</p>}
      {view?.notice && <p role="status" class="notice">{view.notice}</p>}
      {alerts && alerts.length === 0 && <p class="empty">{view.scope === 'fleet' ? 'No alert from any server in the last week.' : 'No alert since this server started.'}</p>}
      {alerts && alerts.length > 0 && (
        <table class="alerts">
          <caption class="visually-hidden">{view.scope === 'fleet' ? 'Alerts of every server, newest first' : 'Alerts, newest first'}</caption>
          <thead><tr><th scope="col">Time</th>{servers && <th scope="col">Server</th>}<th scope="col">Kind</th><th scope="col">Delivery</th><th scope="col">Attempts</th><th scope="col">Alert</th></tr></thead>
          <tbody>{alerts.map((a) => (
            <tr data-alert={`${a.server}#${a.id}`}>
              <td>{time(a.createdMs)}</td>
              {servers && <td>{a.server}</td>}
              <td>{a.what}</td>
              <td><span class={`badge ${a.state === 'delivered' || a.state === 'logged' ? 'ok' : a.state === 'failed' ? 'bad' : 'pending'}`}>{STATE_TEXT[a.state] ?? a.state}</span>{a.lastError && <div class="muted">last error: {a.lastError}</div>}</td>
              <td>{a.attempts}</td>
              <td class="reason">{a.text}</td>
            </tr>
          ))}</tbody>
        </table>
      )}
    </section>
  );
}
