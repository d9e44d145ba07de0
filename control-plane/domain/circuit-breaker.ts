/**
 * Per flag+environment sliding windows over the last N evaluations (default 100). The breaker trips when the window
 * is full and the error rate exceeds the threshold (default 5 %); the window then resets so one burst trips once.
 */

/** Breaker parameters. */
export interface BreakerPolicy {
  window: number;
  threshold: number;
}

interface Window {
  outcomes: Uint8Array;
  pos: number;
  count: number;
  errors: number;
}

/** A trip: which flag in which environment, and the error rate that tripped it. */
export interface Trip {
  flag: string;
  env: string;
  errorRate: number;
}

/** The sliding windows. */
export class CircuitBreaker {
  readonly policy: BreakerPolicy;
  private readonly windows = new Map<string, Window>();

  constructor(policy: BreakerPolicy) {
    this.policy = policy;
  }

  /** Records one evaluation outcome; returns a Trip when this sample trips the breaker. */
  record(flag: string, env: string, error: boolean): Trip | null {
    const id = `${flag}\n${env}`;
    let w = this.windows.get(id);
    if (w === undefined) {
      w = { outcomes: new Uint8Array(this.policy.window), pos: 0, count: 0, errors: 0 };
      this.windows.set(id, w);
    }
    if (w.count === this.policy.window) w.errors -= w.outcomes[w.pos] ?? 0;
    else w.count++;
    w.outcomes[w.pos] = error ? 1 : 0;
    w.errors += error ? 1 : 0;
    w.pos = (w.pos + 1) % this.policy.window;
    if (w.count < this.policy.window) return null;
    const errorRate = w.errors / w.count;
    if (errorRate <= this.policy.threshold) return null;
    this.windows.delete(id);
    return { flag, env, errorRate };
  }

  /** Current window stats of a flag in an environment (for GET /api/v1/telemetry/breakers). */
  stats(): { flag_key: string; environment: string; requests: number; errors: number; error_rate: number }[] {
    return [...this.windows.entries()].map(([id, w]) => {
      const [flag = '', env = ''] = id.split('\n');
      return {
        flag_key: flag,
        environment: env,
        requests: w.count,
        errors: w.errors,
        error_rate: w.count === 0 ? 0 : w.errors / w.count,
      };
    });
  }
}
