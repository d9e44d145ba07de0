/** Profile (control plane + environment) switcher; each profile has its own replica. */
import { useState } from 'react';
import type { IpcError } from '../../../../shared/ipc/result.ts';
import { ErrorLine } from '../../ui/error-line.tsx';
import { useApp } from '../../store-context.tsx';

/** A select over the profiles plus "Manage profiles…". */
export function ProfileSwitcher() {
  const profiles = useApp((s) => s.profiles);
  const selectProfile = useApp((s) => s.selectProfile);
  const openDialog = useApp((s) => s.openDialog);
  const [error, setError] = useState<IpcError | null>(null);
  const active = profiles.find((p) => p.active);
  return (
    <span className="profile-switcher">
      {profiles.length > 0 && (
        <select
          aria-label="Control plane and environment"
          value={active?.id ?? ''}
          data-testid="profile-select"
          title={active ? `${active.name} · ${active.environment} (${active.url})` : undefined}
          onChange={(e) => void selectProfile(e.target.value).then(setError)}
        >
          {!active && <option value="">Select a profile</option>}
          {profiles.map((p) => (
            <option key={p.id} value={p.id}>
              {p.environment} · {p.name}
            </option>
          ))}
        </select>
      )}
      <button type="button" onClick={() => openDialog({ kind: 'profile' })}>
        {profiles.length ? 'Profiles…' : 'Add profile…'}
      </button>
      <ErrorLine error={error} />
    </span>
  );
}
