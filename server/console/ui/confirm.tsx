// The confirmation every console action goes through: a modal <dialog> (focus moves into it,
// Escape cancels, focus returns to the button that opened it) with an optional reason.
import { useEffect, useRef, useState } from 'preact/hooks';

export interface ConfirmRequest {
  readonly title: string;
  readonly body: string;
  readonly action: string;
  readonly withReason?: boolean;
  readonly run: (reason: string) => Promise<void>;
}

export function ConfirmDialog({ request, onDone }: { request: ConfirmRequest | null; onDone: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (request && !d.open) {
      setReason('');
      setError('');
      d.showModal();
    }
    if (!request && d.open) d.close();
  }, [request]);
  if (!request) return <dialog ref={ref} aria-labelledby="confirm-title" />;
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      await request.run(reason);
      onDone();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <dialog ref={ref} aria-labelledby="confirm-title" aria-describedby="confirm-body" onClose={onDone}>
      <form method="dialog" onSubmit={submit}>
        <h2 id="confirm-title">{request.title}</h2>
        <p id="confirm-body">{request.body}</p>
        {request.withReason && (
          <p>
            <label for="confirm-reason">Reason (written to the audit trail)</label>
            <input id="confirm-reason" value={reason} maxLength={500} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
          </p>
        )}
        {error && <p role="alert" class="error">{error}</p>}
        <div class="actions">
          <button type="submit" class="danger" disabled={busy} autofocus>{request.action}</button>
          <button type="button" onClick={onDone}>Cancel</button>
        </div>
      </form>
    </dialog>
  );
}
