/** Turns freshly arrived ledger entries into announcements: break-glass banners and notifications. */
import type { EventHub } from '../ipc/registry.ts';
import { notificationForEntry, type NotificationSpec } from '../notify/notification-policy.ts';
import type { ArrivedEntry } from './entry-watch.ts';

function titleOf(after: unknown): string | null {
  if (typeof after !== 'object' || after === null) return null;
  const t = (after as Record<string, unknown>)['title'];
  return typeof t === 'string' ? t : null;
}

/** Announces break-glass use to every console and notifies new incidents and automatic rollbacks. */
export function announce(
  events: EventHub,
  notify: (spec: NotificationSpec) => void,
  entries: readonly ArrivedEntry[],
): void {
  for (const e of entries) {
    if (e.action === 'break_glass.used') {
      events.emit('breakGlass:used', {
        idx: e.idx,
        actor: e.actor,
        flag: e.flag,
        env: e.env,
        reason: e.reason,
        at: e.ts,
      });
    }
    const spec = notificationForEntry(e.action, e.flag, e.env, titleOf(e.after) ?? e.reason);
    if (spec) notify(spec);
  }
}
