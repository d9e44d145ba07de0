/**
 * Outbound alerts (break-glass issue/use, circuit-breaker actions, blocked schedules) pushed to configured webhooks in
 * a Slack-compatible and a PagerDuty Events v2-compatible shape. Delivery is fire-and-forget with a timeout; failures
 * are logged and never affect the action that caused them. The last alerts are also kept for GET /api/v1/alerts.
 */

/** A webhook destination. */
export interface WebhookTarget {
  kind: 'slack' | 'pagerduty';
  url: string;
  /** PagerDuty Events v2 routing key (pagerduty targets). */
  routingKey?: string;
}

/** One alert. */
export interface Alert {
  event: string;
  summary: string;
  severity: 'critical' | 'error' | 'warning' | 'info';
  ts: string;
  dedup_key: string;
  details: Record<string, string | number | boolean | null>;
}

const KEEP = 100;
const TIMEOUT_MS = 5000;

/** The Slack incoming-webhook body of an alert. */
export function slackPayload(alert: Alert): unknown {
  const lines = Object.entries(alert.details)
    .map(([k, v]) => `*${k}*: ${String(v)}`)
    .join('\n');
  return {
    text: `[${alert.severity.toUpperCase()}] ${alert.summary}`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${alert.summary}*` } },
      { type: 'section', text: { type: 'mrkdwn', text: lines === '' ? '_no details_' : lines } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `${alert.event} · ${alert.ts}` }] },
    ],
  };
}

/** The PagerDuty Events API v2 body of an alert. */
export function pagerDutyPayload(alert: Alert, routingKey: string): unknown {
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: alert.dedup_key,
    payload: {
      summary: alert.summary,
      source: 'tombstone-control-plane',
      severity: alert.severity,
      timestamp: alert.ts,
      component: typeof alert.details['flag'] === 'string' ? alert.details['flag'] : undefined,
      class: alert.event,
      custom_details: alert.details,
    },
  };
}

/** Sends alerts to webhooks and remembers the recent ones. */
export class Notifier {
  private readonly targets: readonly WebhookTarget[];
  private readonly log: (line: string) => void;
  private readonly inflight = new Set<Promise<void>>();
  private readonly recentAlerts: Alert[] = [];
  /** While true (building demo history), alerts are dropped: they describe the past. */
  muted = false;

  constructor(targets: readonly WebhookTarget[], log: (line: string) => void) {
    this.targets = targets;
    this.log = log;
  }

  /** The most recent alerts, newest last. */
  get recent(): readonly Alert[] {
    return this.recentAlerts;
  }

  /** Records the alert and posts it to every target. */
  send(alert: Alert): void {
    if (this.muted) return;
    this.recentAlerts.push(alert);
    if (this.recentAlerts.length > KEEP) this.recentAlerts.shift();
    for (const t of this.targets) {
      const body =
        t.kind === 'slack' ? slackPayload(alert) : pagerDutyPayload(alert, t.routingKey ?? 'tombstone-console');
      const p = this.post(t.url, body).finally(() => this.inflight.delete(p));
      this.inflight.add(p);
    }
  }

  /** Waits for deliveries in flight (tests, shutdown). */
  async flush(): Promise<void> {
    await Promise.all([...this.inflight]);
  }

  private async post(url: string, body: unknown): Promise<void> {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      if (!res.ok) this.log(`webhook ${url} answered ${res.status}`);
      await res.body?.cancel();
    } catch (err) {
      this.log(`webhook ${url} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
