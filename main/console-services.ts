/**
 * Composition root of the console's services, shared by the Electron shell and browser mode:
 * it builds the handlers behind every IPC channel and the event hub that feeds the renderer.
 */
import type { ControlPlaneStatus, ShellMode } from '../shared/ipc/contract.ts';
import { probeControlPlane, type ControlPlaneTarget } from './connection/probe.ts';
import { AppError } from './ipc/app-error.ts';
import { createRegistry, EventHub, type ErrorSink, type Handlers, type Registry } from './ipc/registry.ts';
import { readPackageVersion } from './package-info.ts';

/** What the shell knows at start-up. */
export interface ConsoleConfig {
  mode: ShellMode;
  controlPlane: ControlPlaneTarget | null;
  /** How often main re-probes the control plane, in ms. */
  probeIntervalMs?: number;
}

/** The running services: the registry for calls, the hub for events, and a stop function. */
export interface ConsoleServices {
  registry: Registry;
  events: EventHub;
  stop(): void;
}

function noSession(): never {
  throw new AppError('E_NO_PROFILE', 'No control plane profile is active, so there is no ledger replica to read or act on. Start with `npm start`, or add a profile with its URL and token.');
}

/** Starts the services described by `config`. */
export function startConsoleServices(config: ConsoleConfig, onError?: ErrorSink): ConsoleServices {
  const events = new EventHub();
  let status: ControlPlaneStatus = { kind: 'unconfigured' };
  const target = config.controlPlane;

  const probe = async (): Promise<ControlPlaneStatus> => {
    if (!target) return status;
    const next = await probeControlPlane(target);
    const changed = next.kind !== status.kind;
    status = next;
    if (changed) events.emit('connection:changed', status);
    return status;
  };

  const handlers: Handlers = {
    'app:info': () => ({ name: 'Tombstone Console', version: readPackageVersion(), mode: config.mode }),
    'connection:status': () => status,
    'connection:probe': () => probe(),
    'profiles:list': () => [],
    'profiles:add': noSession,
    'profiles:select': noSession,
    'profiles:remove': noSession,
    'sync:state': () => ({ kind: 'idle' }),
    'sync:confirmKey': noSession,
    'identity:get': () => (status.kind === 'reachable' ? status.identity : null),
    'ledger:query': noSession,
    'ledger:entry': noSession,
    'ledger:inclusion': noSession,
    'verify:status': noSession,
    'verify:run': noSession,
    'verify:cancel': noSession,
    'verify:evidence': noSession,
    'verify:report': noSession,
    'correlation:rank': noSession,
    'incidents:list': noSession,
    'flags:list': noSession,
    'flags:get': noSession,
    'changes:list': noSession,
    'changes:create': noSession,
    'changes:approve': noSession,
    'changes:reject': noSession,
    'actions:kill': noSession,
    'actions:rollback': noSession,
    'breakGlass:issue': noSession,
    'breakGlass:acknowledge': noSession,
    'metrics:series': noSession,
  };

  void probe();
  const timer = target ? setInterval(() => void probe(), config.probeIntervalMs ?? 5000) : null;
  timer?.unref();
  return {
    registry: createRegistry(handlers, onError),
    events,
    stop: () => { if (timer) clearInterval(timer); },
  };
}
