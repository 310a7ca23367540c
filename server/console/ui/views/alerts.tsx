// Alerts: write anomalies, quarantines, digests and bundle rejections, newest first, with
// how their delivery to the webhook went (delivered, retrying, failed, or logged when no
// webhook is configured).
import { useEffect, useState } from 'preact/hooks';
import { api, handleError, poll } from '../api.ts';
import { time } from '../format.ts';
import type { AlertDelivery } from '../types.ts';

const STATE_TEXT: Record<string, string> = { delivered: 'webhook answered', retrying: 'retrying', failed: 'failed', logged: 'logged (no webhook)', sending: 'sending' };

export function AlertsView() {
  const [alerts, setAlerts] = useState<AlertDelivery[] | null>(null);
  const [error, setError] = useState('');
  useEffect(() => poll(() => api<{ alerts: AlertDelivery[] }>('/alerts').then((r) => setAlerts(r.alerts), (e) => handleError(e, setError)), 2_000), []);
  return (
    <section>
      {error && <p role="alert" class="error">{error}</p>}
      {alerts && alerts.length === 0 && <p class="empty">No alert since this server started.</p>}
      {alerts && alerts.length > 0 && (
        <table class="alerts">
          <caption class="visually-hidden">Alerts, newest first</caption>
          <thead><tr><th scope="col">Time</th><th scope="col">Kind</th><th scope="col">Delivery</th><th scope="col">Attempts</th><th scope="col">Alert</th></tr></thead>
          <tbody>{alerts.map((a) => (
            <tr data-alert={a.id}>
              <td>{time(a.createdMs)}</td>
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
