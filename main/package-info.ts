/** Reads facts about the console package itself. */
import { readFileSync } from 'node:fs';

let cached: string | null = null;

/** The console's version from package.json (bundled builds inject it at build time). */
export function readPackageVersion(): string {
  if (cached) return cached;
  const injected = process.env.TOMBSTONE_VERSION;
  if (injected) return (cached = injected);
  try {
    const pkg: unknown = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    cached = typeof pkg === 'object' && pkg !== null && 'version' in pkg ? String(pkg.version) : '0.0.0';
  } catch {
    cached = '0.0.0';
  }
  return cached;
}
