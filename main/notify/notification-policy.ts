/**
 * Which console events deserve a native notification, and what it says. Pure, so the Electron
 * glue stays a few lines and tests assert the wording and the choices.
 */
import type { EventChannel, EventMap } from '../../shared/ipc/contract.ts';

/** A native notification to show. */
export interface NotificationSpec {
  title: string;
  body: string;
  urgency: 'normal' | 'critical';
}

/** Returns the notification for an event, or null when the event is not worth interrupting for. */
export function notificationFor<E extends EventChannel>(channel: E, payload: EventMap[E]): NotificationSpec | null {
  switch (channel) {
    case 'ledger:alerted': {
      const ev = payload as EventMap['ledger:alerted'];
      return {
        title: `Ledger ALERT: ${ev.code}`,
        body: `${ev.detail}${ev.idx === null ? '' : ` (entry ${ev.idx})`}. The replica stopped advancing; open the evidence.`,
        urgency: 'critical',
      };
    }
    case 'breakGlass:used': {
      const ev = payload as EventMap['breakGlass:used'];
      return {
        title: 'Break-glass used',
        body: `${ev.actor} used break-glass${ev.flag ? ` on ${ev.flag}${ev.env ? ` (${ev.env})` : ''}` : ''}: ${ev.reason}`,
        urgency: 'critical',
      };
    }
    default:
      return null;
  }
}

/** Notification for a new incident or an automatic rollback, derived from a ledger action. */
export function notificationForEntry(
  action: string,
  flag: string | null,
  env: string | null,
  detail: string,
): NotificationSpec | null {
  if (action === 'incident.triggered') return { title: 'New incident', body: detail, urgency: 'critical' };
  if (action === 'flag.auto_rolled_back')
    return {
      title: 'Automatic rollback',
      body: `${flag ?? 'a flag'}${env ? ` (${env})` : ''} was rolled back to its safe default by the circuit breaker. ${detail}`.trim(),
      urgency: 'normal',
    };
  return null;
}
