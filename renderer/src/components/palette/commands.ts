/** Every action of the console as a palette command, built from the current state (pure apart from `run`). */
import { blockReason, type Capability } from '../../store/gates.ts';
import type { AppState } from '../../store/app-store.ts';
import { downloadFile } from '../../lib/download.ts';
import { servicesOf, summaryOf } from '../../lib/fleet.ts';
import { buildQueue, DECIDED_PAGE, decidedWithReceipts, type QueueItem } from '../approvals/queue.ts';
import type { ChangeRequest } from '../../../../shared/ipc/contract.ts';

/** One palette entry; `disabled` is the reason it cannot run now. */
export interface Command {
  id: string;
  group: 'Action' | 'Incident' | 'Approval' | 'Flag' | 'View' | 'Profile';
  label: string;
  disabled: string | null;
  run: () => void;
}

/** Moves focus to the first button inside the element with `testId` (for commands that point at a panel). */
export function focusTestId(testId: string): void {
  const el = document.querySelector<HTMLElement>(`[data-testid="${testId}"]`);
  el?.scrollIntoView({ block: 'nearest' });
  (el?.querySelector<HTMLElement>('button:not([disabled])') ?? el)?.focus();
}

/**
 * The cards the approvals queue renders without paging: pending requests, those decided in this console (they stay
 * until dismissed, even after the server's list dropped them), and the first page of requests decided elsewhere.
 */
function reviewable(s: AppState): QueueItem[] {
  const { always, paged } = buildQueue(s.changeRequests, decidedWithReceipts(s));
  return [...always, ...paged.slice(0, DECIDED_PAGE)];
}

function actions(s: AppState): Command[] {
  const gate = (cap: Capability): string | null => blockReason(s.sync, s.identity, cap);
  const noReplica = s.replica === 'present' ? null : 'No ledger replica: add or select a profile first.';
  const list: Command[] = [
    {
      id: 'kill',
      group: 'Action',
      label: 'Kill switch…',
      disabled: noReplica ?? gate('kill'),
      run: () => s.openDialog({ kind: 'kill', flag: null, env: null }),
    },
    {
      id: 'break-glass',
      group: 'Action',
      label: 'Break-glass override…',
      disabled: noReplica ?? gate('breakGlass'),
      run: () => s.openDialog({ kind: 'breakGlass', flags: [], envs: [], returnTo: null }),
    },
    {
      id: 'manual',
      group: 'Incident',
      label: 'Incident at time…',
      disabled: noReplica,
      run: () => s.openDialog({ kind: 'manualIncident' }),
    },
  ];
  for (const c of s.correlation?.candidates ?? []) {
    list.push({
      id: `rollback-${c.ledger_idx}`,
      group: 'Action',
      label: `Roll back candidate #${c.candidate_rank}: ${c.flag_key}`,
      disabled: gate('rollback'),
      run: () => s.openDialog({ kind: 'rollback', idx: c.ledger_idx }),
    });
    if (c.environment)
      list.push({
        id: `kill-c-${c.ledger_idx}`,
        group: 'Action',
        label: `Kill candidate #${c.candidate_rank}: ${c.flag_key} in ${c.environment}`,
        disabled: gate('kill'),
        run: () => s.openDialog({ kind: 'kill', flag: c.flag_key, env: c.environment }),
      });
  }
  for (const i of s.incidents)
    list.push({
      id: `incident-${i.id}`,
      group: 'Incident',
      label: `Triage incident: ${i.title} (${i.service}, ${i.status})`,
      disabled: null,
      run: () => void s.selectIncident(i.id),
    });
  const requestSubject = (cr: ChangeRequest): string =>
    cr.operation === 'state' ? `${cr.flag} in ${cr.env ?? '?'}` : `${cr.operation} ${cr.flag}`;
  for (const { cr, decided } of reviewable(s)) {
    const status =
      decided !== null ? ` (${decided.decision} here)` : cr.status === 'PENDING' ? '' : ` (${cr.status.toLowerCase()})`;
    list.push({
      id: `cr-${cr.id}`,
      group: 'Approval',
      label: `Review change request ${cr.id}: ${requestSubject(cr)} by ${cr.requester}${status}`,
      disabled: null,
      run: () => focusTestId(`cr-${cr.id}`),
    });
  }
  for (const u of s.breakGlassUses.filter((x) => x.acknowledgedBy === null))
    list.push({
      id: `ack-${u.idx}`,
      group: 'Action',
      label: `Acknowledge break-glass use #${u.idx} by ${u.actor}`,
      disabled: null,
      run: () => void s.acknowledgeBreakGlass(u.idx),
    });
  return list;
}

/** The SDK fleet: the whole view (the paging service first), and one command per service it knows. */
function fleetCommands(s: AppState, noReplica: string | null): Command[] {
  const paging = s.correlation?.incident.service ?? null;
  return [
    {
      id: 'fleet',
      group: 'View',
      label: paging ? `Open the SDK fleet (${paging} first)` : 'Open the SDK fleet',
      disabled: noReplica,
      run: () => s.openDialog({ kind: 'fleet', service: paging }),
    },
    ...servicesOf(s.fleet?.snapshot ?? null, paging).map((f): Command => ({
      id: `fleet-${f.service}`,
      group: 'View',
      label: `SDK fleet of ${f.service}: ${summaryOf(f)}`,
      disabled: noReplica,
      run: () => s.openDialog({ kind: 'fleet', service: f.service }),
    })),
  ];
}

function views(s: AppState): Command[] {
  const noReplica = s.replica === 'present' ? null : 'No ledger replica: add or select a profile first.';
  const running = s.verifyRun ? 'A re-verification is already running.' : null;
  return [
    {
      id: 'ledger',
      group: 'View',
      label: 'Open the audit ledger',
      disabled: noReplica,
      run: () => s.openDrawer('audit'),
    },
    {
      id: 'verification',
      group: 'View',
      label: 'Open verification and evidence',
      disabled: noReplica,
      run: () => s.openDrawer('verification'),
    },
    {
      id: 'verify-deep',
      group: 'Action',
      label: 'Re-verify the whole replica (deep)',
      disabled: noReplica ?? running,
      run: () => {
        s.openDrawer('verification');
        void s.runVerify('deep');
      },
    },
    {
      id: 'verify-quick',
      group: 'Action',
      label: 'Quick verification check',
      disabled: noReplica ?? running,
      run: () => {
        s.openDrawer('verification');
        void s.runVerify('quick');
      },
    },
    {
      id: 'report',
      group: 'Action',
      label: 'Export verification report',
      disabled: noReplica,
      run: () =>
        void s.exportReport().then((r) => {
          if (r) downloadFile(r.fileName, r.json);
        }),
    },
    {
      id: 'scope',
      group: 'View',
      label:
        s.changesScope === 'window' ? 'Changes: show everything in the replica' : 'Changes: show the incident window',
      disabled: noReplica,
      run: () => s.setChangesScope(s.changesScope === 'window' ? 'all' : 'window'),
    },
    {
      id: 'changes',
      group: 'View',
      label: 'Focus the changes table',
      disabled: noReplica,
      run: () => document.querySelector<HTMLElement>('[data-testid="changes-grid"]')?.focus(),
    },
    {
      id: 'approvals',
      group: 'View',
      label: 'Focus the approvals queue',
      disabled: noReplica,
      run: () => focusTestId('approvals'),
    },
    ...fleetCommands(s, noReplica),
    {
      id: 'probe',
      group: 'View',
      label: 'Check the control-plane connection now',
      disabled: null,
      run: () => void s.probe(),
    },
    {
      id: 'theme',
      group: 'View',
      label: `Switch to ${s.theme === 'dark' ? 'light' : 'dark'} theme`,
      disabled: null,
      run: () => s.toggleTheme(),
    },
    { id: 'help', group: 'View', label: 'Keyboard shortcuts', disabled: null, run: () => s.setOverlay('help') },
    {
      id: 'profiles',
      group: 'Profile',
      label: 'Manage profiles…',
      disabled: null,
      run: () => s.openDialog({ kind: 'profile' }),
    },
    ...s.profiles
      .filter((p) => !p.active)
      .map((p): Command => ({
        id: `profile-${p.id}`,
        group: 'Profile',
        label: `Switch to ${p.name} · ${p.environment}`,
        disabled: null,
        run: () => void s.selectProfile(p.id),
      })),
  ];
}

function flags(s: AppState): Command[] {
  const killBlock = blockReason(s.sync, s.identity, 'kill');
  return s.flagResults.flatMap((f): Command[] => [
    {
      id: `flag-${f.key}`,
      group: 'Flag',
      label: `Flag ${f.key} (${f.tier}, ${f.owner})`,
      disabled: null,
      run: () => s.openDialog({ kind: 'flag', key: f.key }),
    },
    {
      id: `kill-flag-${f.key}`,
      group: 'Flag',
      label: `Kill ${f.key}…`,
      disabled: killBlock,
      run: () => s.openDialog({ kind: 'kill', flag: f.key, env: null }),
    },
  ]);
}

/** All commands for the state `s`. */
export function buildCommands(s: AppState): Command[] {
  return [...actions(s), ...views(s), ...(s.replica === 'present' ? flags(s) : [])];
}

/** Commands whose label contains every word of `query` (case-insensitive); flags always pass (the search chose them). */
export function filterCommands(commands: readonly Command[], query: string): Command[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  return commands.filter((c) => c.group === 'Flag' || words.every((w) => c.label.toLowerCase().includes(w)));
}
