/**
 * Probes a control plane: is it up (`/health`) and who does our token belong to (`/api/v1/me`).
 * The result is what the top bar shows until the sync engine reports richer state.
 */
import type { ControlPlaneStatus, Identity } from '../../shared/ipc/contract.ts';

/** How to reach one control plane. */
export interface ControlPlaneTarget {
  url: string;
  token: string | null;
}

const roles = new Set(['viewer', 'responder', 'approver', 'admin']);

function parseIdentity(body: unknown): Identity | null {
  if (typeof body !== 'object' || body === null) return null;
  const rec = body as Record<string, unknown>;
  const name = rec['name'];
  const role = rec['role'];
  if (typeof name !== 'string' || typeof role !== 'string' || !roles.has(role)) return null;
  return { name, role: role as Identity['role'] };
}

async function fetchIdentity(target: ControlPlaneTarget, signal: AbortSignal): Promise<Identity | null> {
  if (!target.token) return null;
  const res = await fetch(new URL('/api/v1/me', target.url), {
    headers: { authorization: `Bearer ${target.token}` },
    signal,
  });
  if (res.ok) return parseIdentity(await res.json());
  await res.body?.cancel();
  return null;
}

/** Probes `target` with a timeout; never throws. */
export async function probeControlPlane(target: ControlPlaneTarget, timeoutMs = 3000): Promise<ControlPlaneStatus> {
  const started = performance.now();
  const checkedAt = new Date().toISOString();
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const health = await fetch(new URL('/health', target.url), { signal });
    // An unread body keeps its connection busy (and the process alive) until a garbage collection: release it now.
    await health.body?.cancel();
    if (!health.ok) throw new Error(`HTTP ${health.status}`);
    const roundTripMs = Math.round(performance.now() - started);
    const identity = await fetchIdentity(target, signal);
    return { kind: 'reachable', url: target.url, checkedAt, roundTripMs, identity };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return {
      kind: 'unreachable',
      url: target.url,
      checkedAt,
      error: {
        code: 'E_CONTROL_PLANE_UNREACHABLE',
        message: `The control plane at ${target.url} did not answer (${reason}). Check the URL and your network; the local replica stays usable.`,
      },
    };
  }
}
