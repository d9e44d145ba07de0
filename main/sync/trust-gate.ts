/**
 * Trust decisions of one engine: pins the log origin and the checkpoint key on first use (after the user confirmed the
 * fingerprint), accepts a checkpoint signed by a stored key, and raises an alert — never a second prompt — when the
 * server's checkpoint is signed only by keys the profile does not know.
 */
import type { TrustedKey } from '../../shared/ledger/index.ts';
import { sha256 } from '../ledger/node-crypto.ts';
import type { StoredKey } from '../profiles/profile-file.ts';
import { decideTrust, trustedKeysOf, type OfferedKey } from '../profiles/tofu.ts';
import { engineAlert } from './alerts.ts';
import type { ConnectionMachine } from './connection-machine.ts';
import { SyncHalt } from './errors.ts';
import type { SyncEmitter } from './events.ts';
import type { Handshake } from './handshake.ts';

/** The parts of a profile the engine uses. */
export interface SyncProfile {
  /** Control plane base URL (the first instance). */
  url: string;
  /** Every instance URL of this control plane (same ledger), `url` first; absent: `url` alone. */
  urls?: readonly string[];
  token: string | null;
  /** Pinned ledger origin, null before first contact. */
  origin: string | null;
  /** Trusted checkpoint keys. */
  keys: readonly StoredKey[];
  /** Persists a first-use confirmation (origin pin and key) before the key is relied on. */
  remember?(origin: string, key: StoredKey): void;
}

interface Pending {
  vkey: string;
  resolve(accept: boolean): void;
}

/** The trust state of one engine. */
export class TrustGate {
  private origin: string | null;
  private keys: StoredKey[];
  private pending: Pending | null = null;
  private readonly profile: SyncProfile;
  private readonly machine: ConnectionMachine;
  private readonly emitter: SyncEmitter;
  private readonly now: () => number;
  /** Called when a key was accepted, so an open replica adds it to its trust store. */
  onTrusted: (key: TrustedKey) => void = () => {};

  constructor(profile: SyncProfile, machine: ConnectionMachine, emitter: SyncEmitter, now: () => number) {
    this.profile = profile;
    this.origin = profile.origin;
    this.keys = [...profile.keys];
    this.machine = machine;
    this.emitter = emitter;
    this.now = now;
  }

  /** The pinned origin (null until first contact). */
  get pinnedOrigin(): string | null {
    return this.origin;
  }

  /** The trust store for the replica. */
  trustedKeys(): TrustedKey[] {
    return trustedKeysOf(sha256, this.keys);
  }

  /** Resolves when the handshake's checkpoint is signed by a trusted key; throws SyncHalt otherwise. */
  async ensure(hs: Handshake): Promise<void> {
    const origin = hs.checkpoint.origin;
    if (this.origin !== null && this.origin !== origin) {
      throw new SyncHalt(
        'ORIGIN_MISMATCH',
        `The control plane now serves the log "${origin}" but this profile is pinned to "${this.origin}". Syncing stopped; if the log really changed, add a new profile.`,
      );
    }
    const decision = decideTrust(this.keys, hs.signers);
    if (decision.kind === 'trusted') return;
    if (decision.kind === 'changed') {
      const offered = decision.offered.map((k) => k.vkey).join(', ') || 'none that verifies';
      this.emitter.emit(
        'ledger:alerted',
        engineAlert(
          'KEY_CHANGED',
          'E_KEY_CHANGED',
          `The checkpoint is signed only by keys this profile does not trust (offered: ${offered}).`,
          [hs.note],
          this.now(),
        ),
      );
      throw new SyncHalt(
        'E_KEY_CHANGED',
        "The control plane's signing key changed. Nothing new is verified until an administrator confirms the new key out of band and imports it.",
      );
    }
    await this.confirmFirstUse(origin, decision.key, decision.fingerprint);
  }

  /** The user's answer to the key-confirmation prompt; false when nothing was pending for that key. */
  answer(vkey: string, accept: boolean): boolean {
    if (this.pending === null || this.pending.vkey !== vkey) return false;
    const p = this.pending;
    this.pending = null;
    p.resolve(accept);
    return true;
  }

  /** Abandons a pending prompt (the engine stops). */
  cancel(): void {
    this.pending?.resolve(false);
    this.pending = null;
  }

  private async confirmFirstUse(origin: string, key: OfferedKey, fingerprint: string): Promise<void> {
    this.machine.dispatch({ type: 'confirm-key', keyName: key.name, fingerprint, vkey: key.vkey });
    const accepted = await new Promise<boolean>((resolve) => {
      this.pending = { vkey: key.vkey, resolve };
    });
    if (!accepted)
      throw new SyncHalt(
        'E_KEY_REJECTED',
        "You rejected the control plane's signing key, so nothing from it is trusted. Check the fingerprint with its administrator and reconnect.",
      );
    const stored: StoredKey = {
      vkey: key.vkey,
      validFromSize: key.validFromSize,
      validUntilSize: key.validUntilSize,
      confirmedAt: new Date(this.now()).toISOString(),
      source: 'tofu',
    };
    this.profile.remember?.(origin, stored);
    this.origin = origin;
    this.keys = [...this.keys.filter((k) => k.vkey !== key.vkey), stored];
    for (const k of trustedKeysOf(sha256, [stored])) this.onTrusted(k);
  }
}
