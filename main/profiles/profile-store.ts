/**
 * Profiles: several control planes / environments, each with its own replica file, pinned ledger origin, trusted keys
 * and encrypted token. Layout under the store's directory (all owner-only):
 *   profiles.json            the list (see profile-file.ts)
 *   tokens/<id>.bin          the bearer token, encrypted by the injected SecretBox (0600)
 *   replicas/<id>.sqlite     the ledger replica of that profile
 *   metrics/<id>.sqlite      persisted metrics for offline viewing
 *   keys/<id>.bin            an Unleash profile's seal key, encrypted by the SecretBox (0600)
 *   quarantine/<id>-<time>.* replicas set aside after a verification alert, with a note of why (see quarantineReplica)
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Profile, ProfileInput } from '../../shared/ipc/contract.ts';
import { ProfileError } from './errors.ts';
import {
  readProfileFile,
  writeFileAtomic,
  writeProfileFile,
  type ProfileFile,
  type StoredKey,
  type StoredProfile,
} from './profile-file.ts';
import type { SecretBox } from './secret-box.ts';

const NAME_MAX = 80;
/** Files kept next to a replica: its external high-water mark and the break-glass acknowledgements. */
const REPLICA_SIDECARS = ['.hwm', '.acks.json'] as const;
const ENV_RE = /^[a-z0-9][a-z0-9._-]{0,62}$/;

function invalid(message: string): never {
  throw new ProfileError('E_PROFILE_INVALID', message);
}

/** The base URL of a control plane: http(s) origin only (paths are fixed by the protocol). */
export function normalizeControlPlaneUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    invalid(
      `"${url.slice(0, 100)}" is not a URL. Use the control plane's address, e.g. https://tombstone.example.com.`,
    );
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    invalid('The control plane URL must start with https:// (or http:// on localhost).');
  if (parsed.username !== '' || parsed.password !== '') invalid('Put the token in the token field, not in the URL.');
  return parsed.origin;
}

/** Most instance URLs one profile may list. */
export const MAX_INSTANCE_URLS = 16;

/**
 * The instance URLs of one control plane, from a list separated by commas or spaces (each normalized as above; at
 * least one, at most 16, no repeats). One URL gives a one-element list.
 */
export function parseControlPlaneUrls(list: string): string[] {
  const urls = list
    .split(/[\s,]+/)
    .filter((u) => u !== '')
    .map(normalizeControlPlaneUrl);
  if (urls.length === 0) invalid("A profile needs the control plane's URL, e.g. https://tombstone.example.com.");
  if (urls.length > MAX_INSTANCE_URLS) invalid(`A profile lists at most ${MAX_INSTANCE_URLS} control-plane URLs.`);
  const repeated = urls.find((u, i) => urls.indexOf(u) !== i);
  if (repeated !== undefined) invalid(`${repeated} is listed twice; list each instance of the control plane once.`);
  return urls;
}

/** The URLs of a stored profile, `url` first. */
export function profileUrls(p: Pick<StoredProfile, 'url' | 'urls'>): string[] {
  return p.urls !== undefined && p.urls.length > 1 ? [...p.urls] : [p.url];
}

/** An Unleash base URL: http(s), no credentials, query or fragment; the path is kept (without a trailing slash). */
export function normalizeSourceUrl(url: string): string {
  const origin = normalizeControlPlaneUrl(url);
  const path = new URL(url).pathname.replace(/\/+$/, '');
  return `${origin}${path}`;
}

/** Reads and writes profiles under one directory. */
export class ProfileStore {
  readonly dir: string;
  private readonly box: SecretBox;
  private readonly file: string;

  constructor(dir: string, box: SecretBox) {
    this.dir = dir;
    this.box = box;
    this.file = join(dir, 'profiles.json');
    for (const sub of ['', 'tokens', 'replicas', 'metrics', 'keys']) {
      mkdirSync(join(dir, sub), { recursive: true, mode: 0o700 });
      chmodSync(join(dir, sub), 0o700);
    }
  }

  /** Every profile, as the UI shows them. */
  list(): Profile[] {
    const data = this.read();
    return data.profiles.map((p) => this.view(p, data.active));
  }

  /** The stored record of `id`; throws E_PROFILE_NOT_FOUND. */
  get(id: string): StoredProfile {
    const found = this.read().profiles.find((p) => p.id === id);
    if (found === undefined)
      throw new ProfileError(
        'E_PROFILE_NOT_FOUND',
        `There is no profile "${id}". Pick one from the list or add it again.`,
      );
    return found;
  }

  /** The active profile, or null. */
  active(): StoredProfile | null {
    const data = this.read();
    return data.profiles.find((p) => p.id === data.active) ?? null;
  }

  /**
   * Adds a profile and stores its token; refuses (E_SECRET_STORE_UNAVAILABLE) when no secret store exists. `source`
   * 'unleash' makes it an Unleash mirror (its URL keeps its path: Unleash may be served under one).
   */
  add(input: ProfileInput, source: 'control-plane' | 'unleash' = 'control-plane'): Profile {
    const name = input.name.trim();
    if (name.length === 0 || name.length > NAME_MAX) invalid(`A profile needs a name of 1 to ${NAME_MAX} characters.`);
    if (!ENV_RE.test(input.environment))
      invalid('The environment must be lowercase letters, digits, ".", "_" or "-" (e.g. production).');
    if (input.token.trim() === '') invalid('A profile needs the bearer token the control plane issued to you.');
    this.assertBox();
    const urls = source === 'unleash' ? [normalizeSourceUrl(input.url.trim())] : parseControlPlaneUrls(input.url);
    const profile: StoredProfile = {
      id: `p_${randomBytes(6).toString('hex')}`,
      name,
      url: urls[0] ?? '',
      ...(urls.length > 1 ? { urls } : {}),
      environment: input.environment,
      origin: null,
      keys: [],
      createdAt: new Date().toISOString(),
      ...(source === 'unleash' ? { source } : {}),
    };
    this.setToken(profile.id, input.token.trim(), () =>
      this.update((d) => {
        d.profiles.push(profile);
        d.active ??= profile.id;
      }),
    );
    return this.view(profile, this.read().active);
  }

  /**
   * Replaces the instance URLs of control-plane profile `id` (`urls[0]` becomes its URL). The ledger, origin pin and
   * keys stay: every URL must serve the same ledger, which the sync verifies on each connection.
   */
  setUrls(id: string, urls: readonly string[]): Profile {
    const stored = this.get(id);
    if (stored.source === 'unleash') invalid('An Unleash profile has one URL.');
    const list = parseControlPlaneUrls(urls.join(' '));
    this.update((d) => {
      for (const p of d.profiles) {
        if (p.id !== id) continue;
        p.url = list[0] ?? p.url;
        if (list.length > 1) p.urls = list;
        else delete p.urls;
      }
    });
    const data = this.read();
    return this.view(this.get(id), data.active);
  }

  /** Makes `id` the active profile. */
  select(id: string): Profile {
    this.get(id);
    this.update((d) => {
      d.active = id;
    });
    return this.view(this.get(id), id);
  }

  /** Removes a profile with its token; the replica and metrics files are deleted too. */
  remove(id: string): void {
    this.get(id);
    this.update((d) => {
      d.profiles = d.profiles.filter((p) => p.id !== id);
      if (d.active === id) d.active = d.profiles[0]?.id ?? null;
    });
    for (const f of [
      this.tokenPath(id),
      this.replicaPath(id),
      this.metricsPath(id),
      this.fleetPath(id),
      this.sealKeyPath(id),
    ]) {
      for (const suffix of ['', '-wal', '-shm']) rmSync(f + suffix, { force: true });
    }
    for (const suffix of REPLICA_SIDECARS) rmSync(this.replicaPath(id) + suffix, { force: true });
  }

  /**
   * Sets the replica of `id` aside, untouched, under quarantine/ (database, WAL, high-water mark, acknowledgements)
   * next to a JSON note of why (`note`), so the profile starts over with an empty replica while the evidence is kept.
   * The session must be closed first. Returns the path of the set-aside database. E_NO_REPLICA when there is none.
   */
  quarantineReplica(id: string, note: Record<string, unknown>, now = new Date()): string {
    this.get(id);
    const from = this.replicaPath(id);
    if (!existsSync(from))
      throw new ProfileError('E_NO_REPLICA', 'This profile has no replica file to set aside. Nothing was changed.');
    const dir = join(this.dir, 'quarantine');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const base = join(dir, `${safeId(id)}-${now.toISOString().replace(/[:.]/g, '-')}`);
    const to = `${base}.sqlite`;
    writeFileAtomic(
      `${base}.json`,
      `${JSON.stringify({ profile: id, quarantined_at: now.toISOString(), replica: to, ...note }, null, 2)}\n`,
    );
    for (const suffix of ['', '-wal', '-shm', ...REPLICA_SIDECARS]) {
      if (existsSync(from + suffix)) renameSync(from + suffix, to + suffix);
    }
    return to;
  }

  /** Replaces the token of `id` (encrypted); refuses when no secret store exists. */
  storeToken(id: string, token: string): void {
    this.get(id);
    this.setToken(id, token, () => {});
  }

  /** The decrypted token of `id`, or null when none is stored. */
  token(id: string): string | null {
    const path = this.tokenPath(id);
    if (!existsSync(path)) return null;
    this.assertBox();
    try {
      return this.box.decrypt(readFileSync(path));
    } catch {
      throw new ProfileError(
        'E_SECRET_UNREADABLE',
        'The stored token cannot be decrypted (the key store changed or the file was copied from another machine). Enter the token again.',
      );
    }
  }

  /** Pins the ledger origin of `id` at first contact; a different origin later is refused (E_ORIGIN_CHANGED). */
  pinOrigin(id: string, origin: string): void {
    const current = this.get(id).origin;
    if (current === origin) return;
    if (current !== null) {
      throw new ProfileError(
        'E_ORIGIN_CHANGED',
        `The control plane now serves log "${origin}" but this profile is pinned to "${current}". This is another log; add a new profile if that is intended.`,
      );
    }
    this.update((d) => {
      for (const p of d.profiles) if (p.id === id) p.origin = origin;
    });
  }

  /** Adds (or replaces, by vkey) a trusted key of `id`. */
  trustKey(id: string, key: StoredKey): void {
    this.get(id);
    this.update((d) => {
      for (const p of d.profiles) if (p.id === id) p.keys = [...p.keys.filter((k) => k.vkey !== key.vkey), key];
    });
  }

  /** The replica file of `id`. */
  replicaPath(id: string): string {
    return join(this.dir, 'replicas', `${safeId(id)}.sqlite`);
  }

  /** The seal key file of an Unleash profile `id` (encrypted by the store's SecretBox). */
  sealKeyPath(id: string): string {
    return join(this.dir, 'keys', `${safeId(id)}.bin`);
  }

  /** The SecretBox tokens and seal keys are encrypted with. */
  secretBox(): SecretBox {
    return this.box;
  }

  /** The persisted-metrics file of `id`. */
  metricsPath(id: string): string {
    return join(this.dir, 'metrics', `${safeId(id)}.sqlite`);
  }

  /** The last SDK fleet snapshots of `id` (a cache for offline viewing, next to its metrics). */
  fleetPath(id: string): string {
    return join(this.dir, 'metrics', `${safeId(id)}.fleet.json`);
  }

  private tokenPath(id: string): string {
    return join(this.dir, 'tokens', `${safeId(id)}.bin`);
  }

  private assertBox(): void {
    if (!this.box.available()) {
      throw new ProfileError(
        'E_SECRET_STORE_UNAVAILABLE',
        'No secure key store is available on this system, so the token was not stored. Install or unlock the system keychain (e.g. gnome-keyring), or run the console in browser mode, then try again.',
      );
    }
  }

  private setToken(id: string, token: string, thenUpdate: () => void): void {
    this.assertBox();
    writeFileAtomic(this.tokenPath(id), this.box.encrypt(token));
    thenUpdate();
  }

  private read(): ProfileFile {
    return readProfileFile(this.file);
  }

  private update(change: (data: ProfileFile) => void): void {
    const data = this.read();
    change(data);
    writeProfileFile(this.file, data);
  }

  private view(p: StoredProfile, active: string | null): Profile {
    return {
      id: p.id,
      name: p.name,
      url: p.url,
      ...(p.urls !== undefined && p.urls.length > 1 ? { urls: [...p.urls] } : {}),
      environment: p.environment,
      origin: p.origin,
      active: p.id === active,
      hasToken: existsSync(this.tokenPath(p.id)),
      ...(p.source === 'unleash' ? { source: p.source } : {}),
    };
  }
}

function safeId(id: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) invalid(`"${id.slice(0, 64)}" is not a profile id.`);
  return id;
}
