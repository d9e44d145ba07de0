/**
 * The on-disk profile list: one JSON file (mode 0600) validated field by field on load (it is a boundary: anything on
 * disk may have been edited) and replaced atomically (write a temp file, fsync, rename) so a crash never leaves half
 * a file.
 */
import { closeSync, existsSync, fchmodSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { ProfileError } from './errors.ts';

/** A key the user trusts for a profile's log (confirmed on first use, or imported). */
export interface StoredKey {
  /** Verifier key `<name>+<8 hex>+<base64(0x01 ‖ pub)>`. */
  vkey: string;
  validFromSize: number | null;
  validUntilSize: number | null;
  confirmedAt: string;
  source: 'tofu' | 'import';
}

/** One control plane + environment as stored. */
export interface StoredProfile {
  id: string;
  name: string;
  /** The control plane's (first) URL; the profile's identity in `--connect` lookups. */
  url: string;
  /**
   * Every URL of the control plane, `url` first, when it lists several (one per instance of the same ledger). Absent
   * in files written before several URLs existed, and for a single URL.
   */
  urls?: string[];
  environment: string;
  /** The pinned ledger origin (first checkpoint line), null until first contact. */
  origin: string | null;
  keys: StoredKey[];
  createdAt: string;
  /** Where the ledger comes from: absent for a Tombstone control plane, 'unleash' for an Unleash mirror. */
  source?: 'unleash';
}

/** The whole file. */
export interface ProfileFile {
  version: 1;
  active: string | null;
  profiles: StoredProfile[];
}

/** An empty profile list. */
export function emptyProfileFile(): ProfileFile {
  return { version: 1, active: null, profiles: [] };
}

function corrupt(path: string, what: string): never {
  throw new ProfileError(
    'E_PROFILE_STORE_CORRUPT',
    `The profile file ${path} is damaged (${what}). Move it aside and add your profiles again.`,
  );
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const isSize = (v: unknown): v is number | null =>
  v === null || (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0);
const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

function checkKey(v: unknown, path: string): StoredKey {
  if (!isRecord(v) || !isText(v['vkey']) || !isSize(v['validFromSize']) || !isSize(v['validUntilSize']))
    corrupt(path, 'a trusted key');
  if (!isText(v['confirmedAt']) || (v['source'] !== 'tofu' && v['source'] !== 'import')) corrupt(path, 'a trusted key');
  return {
    vkey: v['vkey'],
    validFromSize: v['validFromSize'],
    validUntilSize: v['validUntilSize'],
    confirmedAt: v['confirmedAt'],
    source: v['source'],
  };
}

function checkProfile(v: unknown, path: string): StoredProfile {
  if (!isRecord(v)) corrupt(path, 'a profile is not an object');
  const { id, name, url, environment, origin, keys, createdAt } = v;
  if (!isText(id) || !isText(name) || !isText(url) || !isText(environment) || !isText(createdAt))
    corrupt(path, 'a profile field');
  if (origin !== null && !isText(origin)) corrupt(path, 'a profile origin');
  if (!Array.isArray(keys)) corrupt(path, 'a profile key list');
  const source = v['source'];
  if (source !== undefined && source !== 'unleash') corrupt(path, 'a profile source');
  const urls = v['urls'];
  if (
    urls !== undefined &&
    (!Array.isArray(urls) ||
      urls.length < 2 ||
      !urls.every(isText) ||
      urls[0] !== url ||
      new Set(urls).size !== urls.length ||
      source === 'unleash')
  )
    corrupt(path, 'a profile URL list');
  const profile: StoredProfile = {
    id,
    name,
    url,
    environment,
    origin,
    keys: keys.map((k) => checkKey(k, path)),
    createdAt,
  };
  if (urls !== undefined) profile.urls = [...(urls as string[])];
  if (source === 'unleash') profile.source = source;
  return profile;
}

/** Reads and validates the file; an absent file is an empty list. */
export function readProfileFile(path: string): ProfileFile {
  if (!existsSync(path)) return emptyProfileFile();
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    corrupt(path, 'not JSON');
  }
  if (!isRecord(raw) || raw['version'] !== 1 || !Array.isArray(raw['profiles'])) corrupt(path, 'unknown format');
  const active = raw['active'];
  if (active !== null && typeof active !== 'string') corrupt(path, 'active profile');
  const profiles = raw['profiles'].map((p) => checkProfile(p, path));
  return { version: 1, active: profiles.some((p) => p.id === active) ? active : null, profiles };
}

/** Writes `data` to `path` atomically with mode 0600. */
export function writeFileAtomic(path: string, data: string | Buffer): void {
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    fchmodSync(fd, 0o600); // a leftover temp file keeps its old mode otherwise
    writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** Writes the profile list atomically (0600). */
export function writeProfileFile(path: string, file: ProfileFile): void {
  writeFileAtomic(path, `${JSON.stringify(file, null, 2)}\n`);
}
