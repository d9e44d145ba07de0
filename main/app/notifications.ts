/** Native notifications and the dock/taskbar badge, driven by the console's events. */
import { app, Notification } from 'electron';
import type { EventHub } from '../ipc/registry.ts';
import { notificationFor, type NotificationSpec } from '../notify/notification-policy.ts';

function show(spec: NotificationSpec): void {
  if (!Notification.isSupported()) return;
  new Notification({ title: spec.title, body: spec.body, urgency: spec.urgency, silent: false }).show();
}

/** Shows notifications for alerting events and keeps the badge equal to the active incident count. */
export function wireNotifications(events: EventHub): () => void {
  return events.subscribe((channel, payload) => {
    const spec = notificationFor(channel, payload);
    if (spec) show(spec);
    if (channel === 'incidents:changed') app.setBadgeCount((payload as { count: number }).count);
  });
}

/** Shows a notification built elsewhere (new incidents and automatic rollbacks come from ledger entries). */
export function notify(spec: NotificationSpec): void {
  show(spec);
}
