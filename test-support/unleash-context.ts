/**
 * How test files reach the suite's one Unleash: the vitest project `unleash` starts it in its globalSetup
 * (unleash-global-setup.ts) and provides its address here. A setup that failed provides its error instead, so every
 * test that needs Unleash fails with that message rather than being skipped.
 */
import { inject } from 'vitest';

/** The running Unleash, as the global setup provides it. */
export interface UnleashReady {
  ok: true;
  url: string;
  adminToken: string;
  databaseUrl: string;
  logFile: string;
  startMs: number;
}

/** What the global setup provides. */
export type UnleashContext = UnleashReady | { ok: false; error: string };

declare module 'vitest' {
  export interface ProvidedContext {
    unleash: UnleashContext;
  }
}

/** The suite's Unleash; throws the setup's error (E_NO_POSTGRES, E_UNLEASH_START, …) when it is not running. */
export function testUnleash(): UnleashReady {
  const ctx = inject('unleash') as UnleashContext | undefined;
  if (ctx === undefined) {
    throw new Error(
      'E_UNLEASH_SETUP: no test Unleash in this vitest project; Unleash tests are named *.unleash.test.ts and run in ' +
        'the `unleash` project (vitest.config.ts), whose global setup starts PostgreSQL and Unleash.',
    );
  }
  if (!ctx.ok) throw new Error(ctx.error);
  return ctx;
}
