/** Where browser mode and the CLI keep profiles, tokens and replicas when `--data` is not given. */
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The per-user data folder of the console on this platform. */
export function defaultDataDir(
  env: Readonly<Record<string, string | undefined>> = process.env,
  platform = process.platform,
): string {
  if (env['TOMBSTONE_DATA_DIR']) return env['TOMBSTONE_DATA_DIR'];
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Tombstone Console');
  if (platform === 'win32') return join(env['APPDATA'] ?? join(homedir(), 'AppData', 'Roaming'), 'Tombstone Console');
  return join(env['XDG_DATA_HOME'] ?? join(homedir(), '.local', 'share'), 'tombstone-console');
}
