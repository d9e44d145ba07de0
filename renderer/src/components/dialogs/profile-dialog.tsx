/** Profiles: switch, remove, or add a control plane + environment (the token is stored encrypted by main). */
import { useState, type FormEvent } from 'react';
import type { IpcError } from '../../../../shared/ipc/result.ts';
import { DialogFrame } from '../../ui/dialog-frame.tsx';
import { ErrorLine } from '../../ui/error-line.tsx';
import { useApp } from '../../store-context.tsx';

/** The dialog. */
export function ProfileDialog() {
  const closeDialog = useApp((s) => s.closeDialog);
  const profiles = useApp((s) => s.profiles);
  const add = useApp((s) => s.addProfile);
  const select = useApp((s) => s.selectProfile);
  const remove = useApp((s) => s.removeProfile);
  const [form, setForm] = useState({ name: '', url: '', environment: 'production', token: '' });
  const [error, setError] = useState<IpcError | null>(null);
  const field = (k: keyof typeof form) => ({
    value: form[k],
    onChange: (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value }),
  });
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const err = await add(form);
    setError(err);
    if (!err) closeDialog();
  };
  return (
    <DialogFrame title="Profiles" onClose={closeDialog} testId="profile-dialog">
      {profiles.length > 0 && (
        <ul className="profiles">
          {profiles.map((p) => (
            <li key={p.id}>
              <strong>{p.name}</strong> · {p.environment} · {p.urls ? p.urls.join(', ') : p.url}{' '}
              {p.active && <span className="pill pill-ok">active</span>}
              {!p.hasToken && <span className="pill pill-warn">no token</span>}{' '}
              {!p.active && (
                <button type="button" onClick={() => void select(p.id).then(setError)}>
                  Use
                </button>
              )}{' '}
              <button
                type="button"
                onClick={() => void remove(p.id).then(setError)}
                aria-label={`Remove profile ${p.name}`}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <form className="form" onSubmit={(e) => void submit(e)} aria-label="Add a profile">
        <h3>Add a profile</h3>
        <label htmlFor="pf-name">Name</label>
        <input id="pf-name" {...field('name')} data-autofocus />
        <label htmlFor="pf-url">Control plane URL</label>
        <input
          id="pf-url"
          placeholder="https://tombstone.example"
          title="Several instances of the same control plane: their URLs separated by commas; the console fails over between them."
          {...field('url')}
        />
        <label htmlFor="pf-env">Environment</label>
        <input id="pf-env" {...field('environment')} />
        <label htmlFor="pf-token">Your bearer token</label>
        <input id="pf-token" type="password" autoComplete="off" {...field('token')} />
        <button
          type="submit"
          className="primary"
          disabled={!form.name || !form.url || !form.environment || !form.token}
        >
          Add and connect
        </button>
      </form>
      <ErrorLine error={error} />
    </DialogFrame>
  );
}
