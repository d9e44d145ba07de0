/** The control-plane HTTP protocol (docs/protocol.md), defined once for the control plane, the console and the SDK. */
export * from './bodies.ts';
export * from './change-requests.ts';
export * from './errors.ts';
export * from './events.ts';
export * from './flags.ts';
export * from './fleet.ts';
export * from './paths.ts';
export * from './tier.ts';
