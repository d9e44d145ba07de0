/** The demo scenario (`--demo`): seeded history on first start, and the live telemetry/incident timeline on every start. */
import type { App } from '../domain/app.ts';
import type { DemoOptions } from '../options.ts';
import { buildHistory } from './history.ts';

export { DEMO_USERS, SCENARIO } from './catalog.ts';
export { startDemoLive } from './live.ts';

/** Default size of the generated history. */
export const DEMO_SIZE = { flags: 200, entries: 20_000 };

/** Builds the history into an empty data dir (a data dir that already holds a ledger is left as it is). */
export function seedDemo(app: App, demo: DemoOptions, size = DEMO_SIZE): boolean {
  if (app.ledger.size > 0) return false;
  buildHistory(app, { seed: demo.seed, anchor: demo.anchor ?? app.clock(), flags: size.flags, entries: size.entries });
  return true;
}
