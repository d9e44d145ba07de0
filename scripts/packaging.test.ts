import { describe, expect, it } from 'vitest';
import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = fileURLToPath(new URL('..', import.meta.url));
const yaml = require('js-yaml') as { load(text: string): unknown };
const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
  validateConfiguration(config: unknown, logger: unknown): Promise<void>;
};
const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };

function loadConfig(): Record<string, unknown> {
  return yaml.load(readFileSync(`${root}/electron-builder.yml`, 'utf8')) as Record<string, unknown>;
}

describe('electron-builder.yml', () => {
  it("validates against electron-builder's own configuration schema (offline)", async () => {
    await expect(validateConfiguration(loadConfig(), new DebugLogger(false))).resolves.toBeUndefined();
  });

  it('a misspelt option fails the same validation', async () => {
    await expect(validateConfiguration({ ...loadConfig(), asarr: true }, new DebugLogger(false))).rejects.toThrow(
      /asarr/,
    );
  });

  it('targets every platform, keeps asar, unpacks better-sqlite3 and never rebuilds natives', () => {
    const c = loadConfig() as Record<string, Record<string, unknown>> & Record<string, unknown>;
    expect(c['appId']).toBe('dev.tombstone.console');
    expect(c['productName']).toBe('Tombstone Console');
    expect(c['asar']).toBe(true);
    expect(c['asarUnpack']).toEqual(['**/node_modules/better-sqlite3/**/*.node']);
    expect(c['npmRebuild']).toBe(false);
    expect(c['buildDependenciesFromSource']).toBe(false);
    expect(c['linux']?.['target']).toEqual(['AppImage', 'deb']);
    expect(c['mac']?.['target']).toEqual(['dmg']);
    expect(c['win']?.['target']).toEqual(['nsis']);
    expect(existsSync(`${root}/${String(c['icon'])}`)).toBe(true);
  });

  it('ships better-sqlite3 as a runtime dependency and renderer libraries only as dev (bundled)', () => {
    const pkg = JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    expect(Object.keys(pkg.dependencies).sort()).toEqual(['better-sqlite3', 'canonicalize', 'eventsource', 'pg']);
    for (const lib of [
      'react',
      'react-dom',
      'zustand',
      'recharts',
      '@tanstack/react-table',
      '@tanstack/react-virtual',
      'electron',
    ]) {
      expect(pkg.devDependencies[lib]).toMatch(/^\d+\.\d+\.\d+$/);
    }
  });
});
