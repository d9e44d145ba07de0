// Runs a real Unleash (unleash-server from this folder's own node_modules) for the test suite. Started by
// test-support/unleash-server.ts with an IPC channel: the configuration arrives in TOMBSTONE_UNLEASH_CONFIG, the
// listening port goes back as one IPC message, and the server stops when the parent asks (SIGTERM) or is gone (the
// IPC channel closes), so a crashed test run never leaves an Unleash behind.
import { start } from 'unleash-server';

const config = JSON.parse(process.env.TOMBSTONE_UNLEASH_CONFIG ?? '{}');

let unleash = null;
let stopping = false;

async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  // Stopping waits for the database; if it is already gone (the parent died and took it along), do not hang.
  setTimeout(() => process.exit(code), 5000).unref();
  try {
    await unleash?.stop();
  } catch (err) {
    console.error('stopping Unleash failed', err);
  }
  process.exit(code);
}

process.on('SIGTERM', () => void shutdown(0));
process.on('SIGINT', () => void shutdown(0));
process.on('disconnect', () => void shutdown(0));

try {
  unleash = await start({
    db: {
      host: config.db.host,
      port: config.db.port,
      user: config.db.user,
      password: '',
      database: config.db.database,
      ssl: false,
      schema: 'public',
      pool: { min: 0, max: 8 },
    },
    server: {
      host: '127.0.0.1',
      port: 0,
      unleashUrl: 'http://127.0.0.1',
      gracefulShutdownEnable: false,
      enableRequestLogger: false,
    },
    // No outgoing network: no version check, no telemetry (SEND_TELEMETRY=false is also set in the environment,
    // because Unleash 8 reads `telemetry: false` as "unset").
    versionCheck: { enable: false },
    telemetry: false,
    authentication: {
      type: 'open-source',
      enableApiToken: true,
      createAdminUser: false,
      initApiTokens: config.tokens,
    },
    // Environment variants are deprecated in Unleash 8 but fill older histories: keep them writable so the suite
    // covers their mapping too.
    experimental: { flags: { enableLegacyVariants: true } },
    // Background jobs (staleness marking, metrics aggregation) would add events at unpredictable times.
    disableScheduler: true,
    logLevel: 'info',
  });
  const address = unleash.server.address();
  process.send?.({ kind: 'listening', port: typeof address === 'object' && address ? address.port : 0 });
} catch (err) {
  console.error('Unleash failed to start', err);
  process.send?.({ kind: 'failed', message: err instanceof Error ? err.message : String(err) });
  process.exit(1);
}
