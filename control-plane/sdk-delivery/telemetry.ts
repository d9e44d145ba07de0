/** The fields an SDK adds to `POST /api/v1/telemetry`: who it is and what it evaluated (docs/protocol.md). */
import { arr, bool, int, nullable, obj, optional, str } from '../../shared/validation/schema.ts';
import { telemetryKeyCheck } from '../domain/telemetry.ts';

const name = (max: number): ReturnType<typeof str> => str({ min: 1, max });

/** Who an SDK instance is and what it applies: `sdk` of a telemetry report, and the body of `POST /api/v1/sdk/ack`. */
export const sdkInstanceShape = obj({
  instance_id: name(100),
  service: name(100),
  host: name(255),
  sdk_version: name(40),
  applied_version: nullable(int(0, Number.MAX_SAFE_INTEGER)),
  stale: bool(),
});

/** Optional telemetry fields sent by SDKs. */
export const sdkTelemetryShape = {
  sdk: optional(sdkInstanceShape),
  evaluations: optional(
    arr(obj({ flag_key: telemetryKeyCheck, variant: str({ min: 1, max: 40 }), count: int(1, 1_000_000_000) }), 10_000),
  ),
};
