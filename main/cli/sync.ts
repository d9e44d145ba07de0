/**
 * `tombstone-console sync --url <cp> --db <replica.sqlite> [--token-file <path>] [--once] [--json]`: the sync engine
 * without a window. `--once` catches up to the latest checkpoint and exits 0 when the replica is verified at that size
 * (prints size and root), 1 with the evidence or failure code otherwise. Without `--once` it follows the stream until
 * interrupted; Ctrl-C stops between replica transactions (each is atomic), never inside one.
 * `--unleash <url>` instead of `--url` mirrors an Unleash's event log into a replica sealed with a local key
 * (docs/unleash.md); the rest of the command works the same on it.
 */
import { Replica } from '../ledger/replica.ts';
import { offeredKey } from '../profiles/tofu.ts';
import { sha256 } from '../ledger/node-crypto.ts';
import type { SyncOptions } from '../sync/engine.ts';
import { controlPlaneSource } from '../sources/control-plane.ts';
import type { LedgerSource } from '../sources/source.ts';
import { UnleashClient } from '../sources/unleash/client.ts';
import { fileSealKeyStore } from '../sources/unleash/seal-key.ts';
import { unleashSource } from '../sources/unleash/source.ts';
import type { UpstreamRewriteAlert } from '../sources/unleash/rewrite.ts';
import type { SyncLogEntry } from '../sync/errors.ts';
import type { PreflightFailure } from '../ledger/preflight.ts';
import type { StoredKey } from '../profiles/profile-file.ts';
import { UsageError } from './args.ts';
import { SYNC_USAGE, parseSyncArgs, type SyncArgs } from './sync-args.ts';
import { pinnedByReplica, preflightWith } from './sync-replica.ts';
import type { SyncState } from '../../shared/ipc/contract.ts';
import { TOKEN_ON_COMMAND_LINE } from '../token-file.ts';
import { codedLine, reportError } from './errors-out.ts';
import { exitAfterGrace, untilSignal } from './shutdown.ts';

function out(args: SyncArgs, text: string, json: Record<string, unknown>): void {
  process.stdout.write(args.json ? `${JSON.stringify(json)}\n` : `${text}\n`);
}

function logLine(args: SyncArgs, muted: () => boolean): (e: SyncLogEntry) => void {
  return (e) => {
    if (muted()) return; // the launch check refused the replica: its line says what happened
    // In --once mode the final line reports the failure; repeating it as a log line would only add noise.
    if ((e.level === 'info' && !args.json) || (args.once && e.level === 'error')) return;
    const at = e.idx === undefined || e.idx === null ? '' : ` (idx ${e.idx})`;
    process.stderr.write(args.json ? `${JSON.stringify({ log: e })}\n` : `${e.level} ${e.code}${at}: ${e.message}\n`);
  };
}

/** What the replica file pins plus the keys given with --trust: everything the sync will trust. */
interface Setup {
  origin: string | null;
  keys: StoredKey[];
}

function setup(args: SyncArgs): Setup {
  const pinned = pinnedByReplica(args.db);
  const imported = args.trust.map((vkey) => {
    offeredKey(sha256, vkey); // throws E_KEY_INVALID with a sentence
    return {
      vkey,
      validFromSize: null,
      validUntilSize: null,
      confirmedAt: new Date().toISOString(),
      source: 'import' as const,
    };
  });
  return { origin: pinned.origin, keys: [...pinned.keys, ...imported] };
}

/** The deep launch check still running (null: none), and its failure once it failed. */
interface Gate {
  deep: Promise<PreflightFailure | null> | null;
  failed: PreflightFailure | null;
}

function options(args: SyncArgs, s: Setup, gate: Gate): SyncOptions {
  return {
    profile: { url: args.url, urls: args.urls, token: args.token, origin: s.origin, keys: s.keys },
    replica: (init) => {
      const replica = Replica.open({ path: args.db, ...init });
      // Connect and fetch while the deep check runs, but write nothing until it vouches for the replica.
      if (gate.deep !== null) replica.holdWrites(gate.deep.then((f) => f?.code ?? null));
      return replica;
    },
    heartbeatMs: args.heartbeatMs,
    pageSize: args.pageSize,
    log: logLine(args, () => gate.failed !== null),
  };
}

/** Starts following the deep check: records its failure (before the replica refuses its held writes). */
function watchGate(gate: Gate, deep: Promise<PreflightFailure | null> | null): void {
  gate.deep = deep;
  void deep?.then(
    (f) => {
      gate.failed = f;
    },
    () => undefined,
  );
}

/** The replica failed the launch check: nothing was appended (exit 1). */
function refuse(args: SyncArgs, f: PreflightFailure): number {
  const message = `The replica cannot be vouched for, so nothing was synced into it: ${f.detail}. Inspect it with \`tombstone-console verify --db ${args.db}\`; to start over, move it (and its .hwm file) aside and sync again.`;
  if (args.json) out(args, '', { ok: false, code: f.code, idx: f.idx, message });
  else process.stderr.write(`${f.code}${f.idx === null ? '' : ` (idx ${f.idx})`}: ${message}\n`);
  return 1;
}

function keyPrompt(args: SyncArgs): (vkey: string, fingerprint: string) => boolean {
  return (vkey, fingerprint) => {
    if (args.acceptFirstKey) {
      process.stderr.write(`trusting the control plane's key on first use: ${vkey} (${fingerprint})\n`);
      return true;
    }
    process.stderr.write(
      `E_KEY_CONFIRMATION_REQUIRED: the control plane signs with ${vkey} (fingerprint ${fingerprint}). Check it with its administrator, then run again with --trust ${vkey}.\n`,
    );
    return false;
  };
}

async function once(args: SyncArgs, source: LedgerSource, gate: Gate): Promise<number> {
  const [r, refused] = await Promise.all([source.once(), gate.deep]);
  if (refused) return refuse(args, refused);
  const provenance = source.provenance();
  const sealed = provenance.kind === 'sealed-locally' ? provenance : null;
  if (r.ok) {
    const text = `verified ${r.verifiedSize} entries of ${r.origin}\nroot ${r.rootHex}`;
    out(args, sealed === null ? text : `${text}\n${sealed.notice}`, {
      ok: true,
      origin: r.origin,
      size: r.verifiedSize,
      root: r.rootHex,
      ...(sealed === null ? {} : { sealedSince: sealed.since, notice: sealed.notice }),
    });
    return 0;
  }
  const unconfirmed = r.code === 'E_KEY_REJECTED' && !args.acceptFirstKey && source.kind === 'control-plane';
  const code = unconfirmed ? 'E_KEY_CONFIRMATION_REQUIRED' : r.code;
  const message = unconfirmed
    ? "the control plane's key is not trusted yet (see above); pass --trust <verifier key> or --accept-first-key"
    : r.message;
  if (!args.json) process.stderr.write(`${code}: ${message}\n`);
  else out(args, '', { ok: false, code, message });
  return 1;
}

function describeState(s: SyncState): string {
  switch (s.kind) {
    case 'live': {
      const via = s.instance === undefined ? '' : ` via ${s.url} (${s.instance.position} of ${s.instance.count})`;
      const moved = s.failover === undefined ? '' : `; failed over from ${s.failover.from} at ${s.failover.at}`;
      return `live${via} (round trip ${s.roundTripMs ?? '?'} ms)${moved}`;
    }
    case 'backfilling':
      return `backfilling ${s.done}/${s.total}`;
    case 'reconnecting':
      return `reconnecting${s.instance === undefined ? '' : ` to ${s.url}`} (attempt ${s.attempt}, next at ${s.nextRetryAt}): ${s.lastError}`;
    case 'offline':
      return `offline, replica as of ${s.replicaAsOf ?? 'never'}: ${s.reason}`;
    case 'halted':
      return `halted ${s.code}: ${s.message}`;
    case 'key-confirmation':
      return `waiting for key confirmation ${s.vkey} (${s.fingerprint})`;
    default:
      return s.kind;
  }
}

async function follow(args: SyncArgs, source: LedgerSource, gate: Gate): Promise<number> {
  const handle = source.follow();
  const prompt = keyPrompt(args);
  let halted: string | null = null;
  let refused: PreflightFailure | null = null;
  const finished = new Promise<void>((resolve, reject) => {
    gate.deep?.then((f) => {
      if (f === null) return;
      refused = f;
      resolve();
    }, reject);
    handle.events.on('sync:changed', (s) => {
      out(args, `state ${describeState(s)}`, { event: 'sync:state', state: s });
      if (s.kind === 'key-confirmation') queueMicrotask(() => handle.confirmKey(s.vkey, prompt(s.vkey, s.fingerprint)));
      if (s.kind === 'halted') {
        halted = s.code;
        resolve();
      }
    });
    void untilSignal().then(() => {
      exitAfterGrace(halted === null ? 0 : 1);
      resolve();
    });
  });
  handle.events.on('ledger:verified', (v) =>
    out(args, `verified ${v.verifiedSize} root ${v.rootHex}`, { event: 'ledger:verified', ...v }),
  );
  handle.events.on('ledger:alerted', (a) => process.stderr.write(`ALERT ${a.code}: ${a.detail}\n`));
  try {
    await finished;
  } finally {
    await handle.stop();
    if (source.kind === 'unleash') handle.replica()?.close();
  }
  if (refused !== null) return refuse(args, refused);
  return halted === null ? 0 : 1;
}

/** Runs the command; resolves to the exit status (0 ok, 1 sync failed or halted, 2 usage or I/O). */
export async function run(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${SYNC_USAGE}\n`);
    return 0;
  }
  // With --json, stdout always carries JSON: the result, or one {"error": {code, message}} line (exit 2).
  const json = argv.includes('--json');
  let args: SyncArgs;
  try {
    args = parseSyncArgs(argv, process.env);
  } catch (err) {
    reportError(err instanceof UsageError ? `E_USAGE: ${err.message}\n${SYNC_USAGE}` : codedLine(err), json, true);
    return 2;
  }
  if (argv.includes('--token')) process.stderr.write(`${TOKEN_ON_COMMAND_LINE}\n`);
  try {
    const gate: Gate = { deep: null, failed: null };
    const source = await sourceOf(args, gate);
    const trust = source.launchTrust();
    const checked = await preflightWith(args.db, trust.origin, trust.keys);
    if (checked.failure !== null) return refuse(args, checked.failure);
    watchGate(gate, checked.deep);
    return args.once ? await once(args, source, gate) : await follow(args, source, gate);
  } catch (err) {
    reportError(codedLine(err), json, true);
    return 2;
  }
}

function printAlert(args: SyncArgs): (a: UpstreamRewriteAlert) => void {
  return (a) => {
    const line = args.json
      ? JSON.stringify({ alert: a })
      : `ALERT ${a.code} (${a.kind}${a.eventId === null ? '' : `, Unleash event ${a.eventId}`}): ${a.message}`;
    process.stderr.write(`${line}\n`);
  };
}

/** The source the arguments name: one place per kind, the rest of the command is the same for both. */
async function sourceOf(args: SyncArgs, gate: Gate): Promise<LedgerSource> {
  if (args.source === 'control-plane') {
    const s = setup(args);
    return controlPlaneSource({ sync: options(args, s, gate), onKeyPrompt: keyPrompt(args) });
  }
  const source = unleashSource({
    url: args.url,
    token: args.token,
    replicaPath: args.db,
    keyStore: fileSealKeyStore(args.sealKey ?? `${args.db}.seal-key`),
    log: logLine(args, () => gate.failed !== null),
    intervalMs: args.intervalMs,
    pageSize: args.pageSize,
    onAlert: printAlert(args),
  });
  if (args.environment !== null) await checkEnvironment(source.url, args.token, args.environment);
  return source;
}

/** `--environment` must name an environment of the Unleash (E_UNLEASH_ENV_UNKNOWN otherwise). */
async function checkEnvironment(url: string, token: string | null, env: string): Promise<void> {
  const names = (await new UnleashClient({ url, token: token ?? '' }).environments()).map((e) => e.name);
  if (!names.includes(env))
    throw new Error(
      `E_UNLEASH_ENV_UNKNOWN: the Unleash at ${url} has no environment "${env}" (it has ${names.join(', ') || 'none'}). Check --environment.`,
    );
}
