/** The SDK's version, reported with its telemetry. */
export const SDK_VERSION = '0.1.0';
