/** Renders the one open dialog. */
import { useApp } from '../../store-context.tsx';
import { ManualIncidentDialog } from '../incidents/manual-incident-dialog.tsx';
import { FleetDialog } from '../fleet/fleet-dialog.tsx';
import { BreakGlassDialog } from './break-glass-dialog.tsx';
import { FlagDialog } from './flag-dialog.tsx';
import { KillDialog } from './kill-dialog.tsx';
import { ProfileDialog } from './profile-dialog.tsx';
import { RollbackDialog } from './rollback-dialog.tsx';

/** Switches on the dialog kind; keys remount a dialog when its subject changes. */
export function DialogHost() {
  const d = useApp((s) => s.dialog);
  if (!d) return null;
  switch (d.kind) {
    case 'kill':
      return <KillDialog key={`${d.flag}:${d.env}`} flag={d.flag} env={d.env} reason={d.reason} />;
    case 'rollback':
      return <RollbackDialog key={d.idx} idx={d.idx} />;
    case 'breakGlass':
      return <BreakGlassDialog flags={d.flags} envs={d.envs} returnTo={d.returnTo} />;
    case 'flag':
      return <FlagDialog key={d.key} flagKey={d.key} />;
    case 'profile':
      return <ProfileDialog />;
    case 'manualIncident':
      return <ManualIncidentDialog />;
    case 'fleet':
      return <FleetDialog key={d.service ?? ''} service={d.service} />;
  }
}
