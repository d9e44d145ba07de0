/**
 * First step of every session: the server's current checkpoint (`GET /api/v1/ledger/checkpoint`, which covers its
 * whole log) and its published keys (`GET /api/v1/ledger/keys`). Only keys whose signature on that very note verifies
 * are offered for trust on first use, so a server cannot get a key confirmed that does not sign its log.
 */
import type { ParsedCheckpoint } from '../../shared/ledger/index.ts';
import { LedgerError, fromBase64Strict, parseCheckpoint, verifyCheckpoint } from '../../shared/ledger/index.ts';
import { ed25519Verify, sha256 } from '../ledger/node-crypto.ts';
import type { ConsistencyProofFetcher } from '../ledger/replica-types.ts';
import { offeredKey, type OfferedKey } from '../profiles/tofu.ts';
import { SyncRetry } from './errors.ts';
import { SyncHttpError, getJson, type SyncTarget } from './http.ts';

/** The server's view at session start. */
export interface Handshake {
  note: string;
  checkpoint: ParsedCheckpoint;
  /** Published keys whose signature on `note` verifies. */
  signers: OfferedKey[];
}

const MAX_PROOF_HASHES = 128;

function keysOf(body: Record<string, unknown>): OfferedKey[] {
  const list = Array.isArray(body['keys']) ? body['keys'] : [];
  const out: OfferedKey[] = [];
  for (const k of list.slice(0, 64)) {
    if (typeof k !== 'object' || k === null) continue;
    const r = k as Record<string, unknown>;
    const from = typeof r['valid_from_size'] === 'number' ? r['valid_from_size'] : null;
    const until = typeof r['valid_until_size'] === 'number' ? r['valid_until_size'] : null;
    if (typeof r['vkey'] !== 'string') continue;
    try {
      out.push(offeredKey(sha256, r['vkey'], from, until));
    } catch {
      // A malformed published key is simply not offered.
    }
  }
  return out;
}

function signs(note: string, origin: string, key: OfferedKey): boolean {
  try {
    verifyCheckpoint(sha256, ed25519Verify, note, {
      origin,
      trusted: [{ name: key.name, keyId: key.keyId, publicKey: key.publicKey }],
    });
    return true;
  } catch {
    return false;
  }
}

/** Fetches checkpoint and keys; throws SyncRetry for a malformed note (it may be damage in transit). */
export async function fetchHandshake(target: SyncTarget): Promise<Handshake> {
  const [cp, keys] = await Promise.all([
    getJson(target, '/api/v1/ledger/checkpoint'),
    getJson(target, '/api/v1/ledger/keys'),
  ]);
  const note = cp['note'];
  if (typeof note !== 'string')
    throw new SyncHttpError('E_PROTOCOL', 'GET /api/v1/ledger/checkpoint did not return {"note"}', 200, true);
  let checkpoint: ParsedCheckpoint;
  try {
    checkpoint = parseCheckpoint(note);
  } catch (err) {
    if (err instanceof LedgerError)
      throw new SyncRetry(err.code, `the control plane's checkpoint is malformed: ${err.detail}`);
    throw err;
  }
  const signers = keysOf(keys).filter((k) => signs(note, checkpoint.origin, k));
  return { note, checkpoint, signers };
}

/** The consistency-proof fetcher the replica calls when a larger checkpoint's root is not reproduced. */
export function consistencyProofFetcher(target: () => SyncTarget): ConsistencyProofFetcher {
  return async (oldSize, newSize) => {
    const body = await getJson(target(), `/api/v1/ledger/proof/consistency?old=${oldSize}&new=${newSize}`);
    const proof = body['proof'];
    if (
      body['old'] !== oldSize ||
      body['new'] !== newSize ||
      !Array.isArray(proof) ||
      proof.length > MAX_PROOF_HASHES
    ) {
      throw new SyncHttpError('E_PROTOCOL', 'the consistency proof response does not match the request', 200, true);
    }
    return proof.map((p: unknown) => {
      const bytes = typeof p === 'string' ? fromBase64Strict(p) : new Uint8Array();
      if (bytes.length !== 32)
        throw new SyncHttpError('E_PROTOCOL', 'a consistency proof hash is not 32 bytes of base64', 200, true);
      return bytes;
    });
  };
}

/** The server's current signed checkpoint note (`GET /api/v1/ledger/checkpoint`). */
export async function fetchCheckpointNote(target: SyncTarget): Promise<string> {
  const note = (await getJson(target, '/api/v1/ledger/checkpoint'))['note'];
  if (typeof note !== 'string')
    throw new SyncHttpError('E_PROTOCOL', 'GET /api/v1/ledger/checkpoint did not return {"note"}', 200, true);
  return note;
}

/**
 * The note the server signed at exactly `size`, if it kept one (`GET /api/v1/ledger/checkpoints`); null when it has
 * none or does not answer. A different root at a size we verified is equivocation, the strongest evidence there is.
 */
export async function fetchCheckpointAt(target: SyncTarget, size: number): Promise<string | null> {
  let body: Record<string, unknown>;
  try {
    body = await getJson(target, `/api/v1/ledger/checkpoints?from=${size}&to=${size}&limit=1`);
  } catch (err) {
    if (target.signal?.aborted === true) throw err;
    return null;
  }
  const list = Array.isArray(body['checkpoints']) ? (body['checkpoints'] as unknown[]) : [];
  const first = list[0] as { size?: unknown; note?: unknown } | undefined;
  return first?.size === size && typeof first.note === 'string' ? first.note : null;
}
