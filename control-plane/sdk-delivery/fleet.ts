/** The last report of every SDK instance (from its telemetry), kept in memory for /api/v1/sdk/stats. */
import type { SdkInstanceInfo } from '../../shared/protocol/sdk.ts';

const MAX_INSTANCES = 10_000;

/** An instance as last seen. */
export interface SdkInstanceView extends SdkInstanceInfo {
  environment: string;
  key_name: string;
  last_seen: string;
  evaluations: number;
}

/** Instances by id. */
export class SdkFleet {
  private readonly instances = new Map<string, SdkInstanceView>();

  /** Records a report. */
  report(info: SdkInstanceInfo, environment: string, keyName: string, evaluations: number, now: number): void {
    const prev = this.instances.get(info.instance_id);
    if (prev === undefined && this.instances.size >= MAX_INSTANCES) {
      const oldest = this.instances.keys().next().value;
      if (oldest !== undefined) this.instances.delete(oldest);
    }
    this.instances.delete(info.instance_id);
    this.instances.set(info.instance_id, {
      ...info,
      environment,
      key_name: keyName,
      last_seen: new Date(now).toISOString(),
      evaluations: (prev?.evaluations ?? 0) + evaluations,
    });
  }

  /** Every instance, most recently seen last. */
  list(): SdkInstanceView[] {
    return [...this.instances.values()];
  }
}
