/**
 * Tampering with the replica file while the console is closed: an attacker drops the append-only triggers and edits one
 * leaf in the middle of the ledger. On the next launch the verification badge is red and the evidence names the index.
 */
import { expect, test, type Page } from '@playwright/test';
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { cpSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ControlPlaneProcess } from './support/processes.ts';
import {
  cleanUpStack,
  type ConsoleProcess,
  freshDir,
  ledgerEntry,
  startConsoleAs,
  startDemoControlPlane,
  stopAll,
} from './support/stack.ts';
import { DEMO_SPEC_TIMEOUT_MS, openLiveConsole, shot, SYNC_TIMEOUT_MS, VIEWPORT } from './support/ui.ts';

test.use({ viewport: VIEWPORT });
test.afterEach(cleanUpStack);

const LEAF_DETAIL = 'the leaf bytes of entry 9000 do not hash to its stored leaf hash';

/** The single replica file of a console data dir (one profile). */
function replicaFile(dataDir: string): string {
  const files = readdirSync(join(dataDir, 'replicas')).filter((f) => f.endsWith('.sqlite'));
  if (files.length !== 1) throw new Error(`expected one replica in ${dataDir}, found ${files.join(', ')}`);
  return join(dataDir, 'replicas', files[0] ?? '');
}

/**
 * Edits one character of the leaf's reason, as an attacker with write access to the file would: the append-only
 * triggers are dropped first. With `rehash`, the stored leaf hash is recomputed too (RFC 6962: SHA-256(0x00 ‖ leaf)).
 * Returns the number of entries in the file.
 */
function tamper(file: string, idx: number, rehash: boolean): number {
  const db = new Database(file);
  try {
    for (const name of db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'entries'")
      .pluck()
      .all()) {
      db.exec(`DROP TRIGGER "${String(name)}"`);
    }
    const row = db.prepare('SELECT leaf FROM entries WHERE idx = ?').get(idx) as { leaf: Buffer } | undefined;
    if (!row) throw new Error(`no entry #${idx} in ${file}`);
    const text = row.leaf.toString('utf8');
    const at = text.indexOf('"reason":"') + '"reason":"'.length;
    const edited = Buffer.from(`${text.slice(0, at)}${text[at] === 'X' ? 'Y' : 'X'}${text.slice(at + 1)}`, 'utf8');
    expect(edited.equals(row.leaf)).toBe(false);
    if (rehash) {
      const hash = createHash('sha256')
        .update(Buffer.from([0]))
        .update(edited)
        .digest();
      db.prepare('UPDATE entries SET leaf = ?, leaf_hash = ? WHERE idx = ?').run(edited, hash, idx);
    } else {
      db.prepare('UPDATE entries SET leaf = ? WHERE idx = ?').run(edited, idx);
    }
    return Number(db.prepare('SELECT count(*) FROM entries').pluck().get());
  } finally {
    db.close();
  }
}

/** Opens a relaunched console and checks the red badge, the halted sync and the evidence naming `idx`. */
async function expectAlert(
  page: Page,
  url: string,
  code: string,
  idx: number,
  detail: string,
  name: string,
): Promise<void> {
  await page.goto(url);
  const badge = page.getByTestId('verification-badge');
  // Halted by the cheap launch check before anything was served, or live until the deep check that follows it in the
  // background finds the edit (a leaf below the previous checkpoint); either way it ends halted, within its bound.
  await expect(page.getByTestId('connection-state')).toHaveText(/^(Sync halted · |Live)/, { timeout: SYNC_TIMEOUT_MS });
  await expect(page.getByTestId('connection-state')).toHaveText(`Sync halted · ${code}`, { timeout: SYNC_TIMEOUT_MS });
  await expect(badge).toHaveAttribute('data-state', 'alert');
  await expect(badge).toHaveText(`ALERT ${code} at entry #${idx}`);
  await expect(page.getByTestId('main-screen')).toBeVisible(); // the damaged replica stays readable, never advanced
  await shot(page, `${name}-badge`);
  await badge.click();
  const panel = page.getByTestId('verification-panel');
  await expect(panel.getByTestId('verification-status')).toHaveText(`ALERT ${code}`);
  const evidence = panel.locator('[data-testid^="evidence-"]').filter({ hasText: `${code} ` });
  await expect(evidence.first()).toContainText(`at entry #${idx}`);
  await expect(evidence.first()).toContainText(`${detail} (found when the console opened this replica)`);
  await shot(page, `${name}-evidence`);
}

/** Syncs a fresh console as vic, then stops it; with `tofu` the signing key is confirmed in the UI instead of `--trust`. */
async function syncedReplica(page: Page, cp: ControlPlaneProcess, tofu: boolean): Promise<string> {
  const host = await startConsoleAs(cp, 'vic', { trust: !tofu });
  try {
    if (tofu) {
      await page.goto(host.url);
      const banner = page.getByTestId('key-confirmation');
      await expect(banner).toContainText('signs its ledger with key demo.tombstone.local/ledger/k1, fingerprint', {
        timeout: SYNC_TIMEOUT_MS,
      });
      await banner.getByRole('button', { name: 'Fingerprint matches — trust this key' }).click();
    }
    await openLiveConsole(page, host.url);
    return host.dataDir;
  } finally {
    await host.stop();
  }
}

test.describe.configure({ mode: 'parallel', timeout: DEMO_SPEC_TIMEOUT_MS });

test('tamper: edits of a closed replica (key confirmed on first use) turn the badge red on launch; the evidence names the index', async ({
  page,
  browser,
}) => {
  let cp: ControlPlaneProcess | null = null;
  const relaunched: ConsoleProcess[] = [];
  try {
    cp = await startDemoControlPlane('1h', ['--no-telemetry']);
    const dataDir = await syncedReplica(page, cp, true);
    const copy = freshDir('console-copy');
    cpSync(dataDir, copy, { recursive: true });

    // Attack 1: only the leaf bytes change. Attack 2 (on a copy): the stored leaf hash is recomputed to match.
    expect(tamper(replicaFile(dataDir), 9_000, false)).toBeGreaterThan(19_000);
    tamper(replicaFile(copy), 9_000, true);

    relaunched.push(
      await startConsoleAs(cp, 'vic', { dataDir, trust: false }),
      await startConsoleAs(cp, 'vic', { dataDir: copy, trust: false }),
    );
    await expectAlert(page, relaunched[0]?.url ?? '', 'LEAF_HASH_MISMATCH', 9_000, LEAF_DETAIL, 'tamper-leaf');
    const second = await browser.newPage({ viewport: VIEWPORT }); // its own context: browser-mode session cookies are per host
    // A consistent leaf hash moves the break to the chain: the next leaf's `prev` no longer matches.
    await expectAlert(
      second,
      relaunched[1]?.url ?? '',
      'PREV_MISMATCH',
      9_001,
      'prev does not equal the hash of the previous leaf',
      'tamper-leaf-and-hash',
    );
    await second.close();
  } finally {
    await stopAll(...relaunched, cp);
  }
});

test('tamper: the same edit is caught when the key was imported with --trust (the demo and e2e set-up); quarantine sets the file aside and a clean replica syncs', async ({
  page,
}) => {
  let cp: ControlPlaneProcess | null = null;
  let relaunched: ConsoleProcess | null = null;
  try {
    cp = await startDemoControlPlane('1h', ['--no-telemetry']);
    const dataDir = await syncedReplica(page, cp, false);
    expect(tamper(replicaFile(dataDir), 9_000, false)).toBeGreaterThan(19_000);
    relaunched = await startConsoleAs(cp, 'vic', { dataDir });
    await expectAlert(page, relaunched.url, 'LEAF_HASH_MISMATCH', 9_000, LEAF_DETAIL, 'tamper-leaf-trusted-key');

    // The way forward: set the damaged replica aside (kept as it is, with the reason) and sync a clean one.
    const tampered = replicaFile(dataDir);
    const form = page.getByTestId('quarantine');
    await expect(form).toContainText('This replica failed verification (LEAF_HASH_MISMATCH at entry #9000)');
    const reason = 'entry 9000 edited on disk while the console was closed';
    await form.getByRole('textbox').fill(reason);
    await form.getByRole('checkbox').check();
    await form.getByTestId('quarantine-submit').click();
    await expect(page.getByTestId('quarantined-banner')).toContainText(join(dataDir, 'quarantine'));
    await expect(page.getByTestId('connection-state')).toHaveText(/^Live( · \d+ ms)?$/, { timeout: SYNC_TIMEOUT_MS });
    await expect(page.getByTestId('verification-badge')).toHaveAttribute('data-state', 'verified', {
      timeout: SYNC_TIMEOUT_MS,
    });
    await expect(page.getByTestId('main-screen')).toBeVisible();
    await shot(page, 'tamper-quarantined-resynced');
    const kept = readdirSync(join(dataDir, 'quarantine'));
    const base = kept.find((f) => f.endsWith('.sqlite'))?.slice(0, -'.sqlite'.length) ?? '';
    expect(kept).toContain(`${base}.json`);
    const note = JSON.parse(readFileSync(join(dataDir, 'quarantine', `${base}.json`), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(note).toMatchObject({ reason, alert: { code: 'LEAF_HASH_MISMATCH', idx: 9_000 } });
    const set = new Database(join(dataDir, 'quarantine', `${base}.sqlite`), { readonly: true });
    try {
      // the set-aside file still holds the edit, as evidence
      const leaf = (set.prepare('SELECT leaf FROM entries WHERE idx = 9000').get() as { leaf: Buffer }).leaf.toString(
        'utf8',
      );
      expect(leaf).toMatch(/"reason":"[XY]/);
    } finally {
      set.close();
    }
    // The new replica is a fresh file, verified up to the control plane's checkpoint, and holds the original entry.
    const fresh = new Database(replicaFile(dataDir), { readonly: true });
    try {
      expect(replicaFile(dataDir)).toBe(tampered);
      const leaf = (fresh.prepare('SELECT leaf FROM entries WHERE idx = 9000').get() as { leaf: Buffer }).leaf.toString(
        'utf8',
      );
      expect(JSON.parse(leaf)).toEqual(await ledgerEntry(cp, 9_000));
    } finally {
      fresh.close();
    }
  } finally {
    await stopAll(relaunched, cp);
  }
});
