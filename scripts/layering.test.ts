import { describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const eslint = new ESLint({ cwd: root });

/** Lints `code` as if it lived at `filePath` and returns the ids of the rules it breaks. */
async function violations(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => m.ruleId ?? 'fatal');
}

describe('layering rules (docs/conventions.md, Layers)', () => {
  it.each([
    ['shared/ledger/x.ts', "import { readFileSync } from 'node:fs';\nexport const a = readFileSync;\n"],
    ['shared/ledger/x.ts', "import { app } from 'electron';\nexport const a = app;\n"],
    ['shared/ledger/x.ts', "import { x } from '../../main/ledger/replica.ts';\nexport const a = x;\n"],
    ['renderer/src/x.ts', "import { x } from '../../main/ledger/replica.ts';\nexport const a = x;\n"],
    ['renderer/src/x.ts', "import { x } from '../../control-plane/server.ts';\nexport const a = x;\n"],
    ['renderer/src/x.ts', "import { readFileSync } from 'fs';\nexport const a = readFileSync;\n"],
    ['main/ledger/x.ts', "import { app } from 'electron';\nexport const a = app;\n"],
    ['main/app/window.ts', "import { ipcMain } from 'electron';\nexport const a = ipcMain;\n"],
    ['preload/x.ts', "import { x } from '../main/ledger/replica.ts';\nexport const a = x;\n"],
    ['control-plane/x.ts', "import { x } from '../main/ledger/replica.ts';\nexport const a = x;\n"],
    ['control-plane/domain/x.ts', "import { HttpError } from '../http/errors.ts';\nexport const a = HttpError;\n"],
    ['control-plane/domain/x.ts', "import { json } from '../routes/ledger.ts';\nexport const a = json;\n"],
    [
      'control-plane/ledger/x.ts',
      "import { openEventStream } from '../http/sse.ts';\nexport const a = openEventStream;\n",
    ],
    ['control-plane/domain/x.test.ts', "import { x } from '../../control-plane/http/body.ts';\nexport const a = x;\n"],
    ['control-plane/domain/x.ts', "import { x } from '../../main/ledger/replica.ts';\nexport const a = x;\n"],
    ['sdk/x.ts', "import { x } from '../control-plane/server.ts';\nexport const a = x;\n"],
    ['sdk/x.ts', "import { x } from '../main/token-file.ts';\nexport const a = x;\n"],
    ['sdk/x.ts', "import { app } from 'electron';\nexport const a = app;\n"],
  ])('%s: a forbidden import fails the lint', async (file, code) => {
    expect(await violations(file, code)).toContain('no-restricted-imports');
  });

  it.each([
    ['main/cli/x.ts', "import { TestLog } from '../ledger/test-support/fixtures.ts';\nexport const a = TestLog;\n"],
    [
      'control-plane/x.ts',
      "import { startHarness } from './test-support/harness.ts';\nexport const a = startHarness;\n",
    ],
    ['shared/correlate/x.ts', "export { at } from './test-support/entries.ts';\n"],
    ['renderer/src/x.tsx', "export * from './test-support/fake-api.ts';\n"],
    ['main/sync/x.ts', "export const a = () => import('../../test-support/postgres.ts');\n"],
  ])('%s: production code importing test-support/ fails the lint', async (file, code) => {
    expect(await violations(file, code)).toContain('no-restricted-syntax');
  });

  it.each([
    [
      'main/cli/x.test.ts',
      "import { TestLog } from '../ledger/test-support/fixtures.ts';\nexport const a = TestLog;\n",
    ],
    ['main/ledger/test-support/x.ts', "import { TestLog } from './fixtures.ts';\nexport const a = TestLog;\n"],
    [
      'scripts/bench-x.ts',
      "import { TestLog } from '../main/ledger/test-support/fixtures.ts';\nexport const a = TestLog;\n",
    ],
  ])('%s: tests, test support and scripts may import test-support/', async (file, code) => {
    expect(await violations(file, code)).toEqual([]);
  });

  it.each([
    ['main/services/x.ts', "import { rowsOf } from '../read-models/entry-rows.ts';\nexport const a = rowsOf;\n"],
    ['main/app/x.ts', "import { queryLedger } from '../read-models/ledger-query.ts';\nexport const a = queryLedger;\n"],
    ['main/x.ts', "export { listFlags } from './read-models/lists.ts';\n"],
  ])('%s: a deep import past main/read-models/index.ts fails the lint', async (file, code) => {
    expect(await violations(file, code)).toContain('no-restricted-imports');
  });

  it.each([
    ['main/services/x.ts', "import { queryLedger } from '../read-models/index.ts';\nexport const a = queryLedger;\n"],
    ['main/read-models/x.ts', "import { rowsOf } from './entry-rows.ts';\nexport const a = rowsOf;\n"],
    ['main/services/x.test.ts', "import { rowsOf } from '../read-models/entry-rows.ts';\nexport const a = rowsOf;\n"],
  ])('%s: the read models through their index, or from inside or a test, pass', async (file, code) => {
    expect(await violations(file, code)).toEqual([]);
  });

  it('shared/ may not touch DOM or Node globals', async () => {
    expect(await violations('shared/x.ts', 'export const a = process.env;\n')).toContain('no-restricted-globals');
    expect(await violations('shared/x.ts', 'export const a = document.title;\n')).toContain('no-restricted-globals');
  });

  it.each([
    ['shared/ledger/x.ts', "import canonicalize from 'canonicalize';\nexport const a = canonicalize;\n"],
    [
      'main/ledger/x.ts',
      "import { x } from '../../shared/ledger/y.ts';\nimport { readFileSync } from 'node:fs';\nexport const a = [x, readFileSync];\n",
    ],
    ['main/app/window.ts', "import { app } from 'electron';\nexport const a = app;\n"],
    ['main/app/ipc-main-bridge.ts', "import { ipcMain } from 'electron';\nexport const a = ipcMain;\n"],
    ['renderer/src/x.ts', "import { x } from '../../shared/ipc/contract.ts';\nexport const a = x;\n"],
    [
      'control-plane/domain/x.ts',
      "import { DomainError } from './errors.ts';\nimport { TIERS } from '../../shared/protocol/tier.ts';\nexport const a = [DomainError, TIERS];\n",
    ],
    [
      'control-plane/ledger/x.ts',
      "import { sseFrame } from '../../shared/protocol/events.ts';\nexport const a = sseFrame;\n",
    ],
    ['control-plane/http/x.ts', "import { DomainError } from '../domain/errors.ts';\nexport const a = DomainError;\n"],
    [
      'sdk/x.ts',
      "import { x } from '../shared/eval/index.ts';\nimport { request } from 'node:http';\nexport const a = [x, request];\n",
    ],
  ])('%s: an allowed import passes', async (file, code) => {
    expect(await violations(file, code)).toEqual([]);
  });
});
