import { useId, useState, useSyncExternalStore, type FormEvent } from 'react';
import { readToken, saveToken, subscribeToken } from '../api/token';

/** Operator token entry: kept in this tab's sessionStorage, sent as a Bearer token with every request. */
export function TokenControl() {
  const token = useSyncExternalStore(subscribeToken, readToken, () => null);
  const [open, setOpen] = useState(false);
  const [draft, setDraft] = useState('');
  const id = useId();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    saveToken(draft);
    setDraft('');
    setOpen(false);
  };
  return (
    <div className="token">
      <button type="button" aria-expanded={open} aria-controls={`${id}-form`} onClick={() => setOpen(!open)}>
        {token ? 'Token set' : 'Operator token'}
      </button>
      {open ? (
        <form id={`${id}-form`} className="token-form" onSubmit={submit}>
          <label htmlFor={`${id}-input`}>Operator token</label>
          <input
            id={`${id}-input`}
            type="password"
            autoComplete="off"
            value={draft}
            onChange={(event) => setDraft(event.target.value)}
            placeholder={token ? 'Replace the stored token' : 'Bearer token with workflows:run'}
          />
          <p className="hint">Kept in this browser tab only (session storage) and sent as a Bearer token.</p>
          <div className="actions">
            <button type="submit" disabled={!draft.trim()}>
              Save token
            </button>
            {token ? (
              <button
                type="button"
                onClick={() => {
                  saveToken(null);
                  setOpen(false);
                }}
              >
                Forget token
              </button>
            ) : null}
          </div>
        </form>
      ) : null}
    </div>
  );
}
