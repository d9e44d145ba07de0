/**
 * Four-eyes review with two people: avery (approver) approves riley's pending HIGH change request with exactly the
 * payload hash shown; a request avery opened is shown as not approvable by avery, and the control plane refuses it too.
 */
import { expect, test } from '@playwright/test';
import type { ControlPlaneProcess } from './support/processes.ts';
import {
  api,
  cleanUpStack,
  type ConsoleProcess,
  field,
  ledgerEntry,
  list,
  num,
  startConsoleAs,
  startDemoControlPlane,
  stopAll,
  str,
} from './support/stack.ts';
import { DEMO_SPEC_TIMEOUT_MS, openLiveConsole, shot, VIEWPORT } from './support/ui.ts';

test.use({ viewport: VIEWPORT });
test.afterEach(cleanUpStack);
test.describe.configure({ timeout: DEMO_SPEC_TIMEOUT_MS });

/**
 * The demo's pending HIGH-tier request (one approval needed, not scheduled: a scheduled one waits as APPROVED for its
 * time) that someone other than avery opened. Which ones the history holds depends on the boot time.
 */
async function pendingHighRequest(
  cp: ControlPlaneProcess,
): Promise<{ id: string; flag: string; requester: string; hash: string; pendingTotal: number }> {
  const pending = list((await api(cp, 'vic', 'GET', '/api/v1/change-requests?status=PENDING')).body, 'change_requests');
  const cr = pending.find(
    (c) =>
      num(c, 'required_approvals') === 1 &&
      num(c, 'valid_approvals') === 0 &&
      str(c, 'requested_by') !== 'avery' &&
      (c as { scheduled_at?: unknown }).scheduled_at == null,
  );
  if (!cr) throw new Error(`the demo has no pending HIGH change request: ${JSON.stringify(pending).slice(0, 500)}`);
  return {
    id: str(cr, 'id'),
    flag: str(cr, 'flag_key'),
    requester: str(cr, 'requested_by'),
    hash: str(cr, 'payload_hash'),
    pendingTotal: pending.length,
  };
}

test('four-eyes: a second person approves the hash they saw; self-approval is explained in the UI and refused by the server', async ({
  page,
}) => {
  let cp: ControlPlaneProcess | null = null;
  let consoleHost: ConsoleProcess | null = null;
  try {
    cp = await startDemoControlPlane('1h', ['--no-telemetry']);
    consoleHost = await startConsoleAs(cp, 'avery');
    await openLiveConsole(page, consoleHost.url);
    await expect(page.getByTestId('identity')).toHaveText('avery · approver');

    // 1. Approve someone else's HIGH request from the pending queue.
    const target = await pendingHighRequest(cp);
    const approvals = page.getByTestId('approvals');
    const title = approvals.getByRole('heading', { level: 2 });
    const card = page.getByTestId(`cr-${target.id}`);
    await expect(card.locator('.tier')).toHaveText('HIGH');
    await expect(card.getByTestId('cr-requester')).toHaveText(target.requester);
    await expect(card.getByTestId('approvals-count')).toHaveText('approvals 0/1');
    await expect(card.getByTestId('payload-hash')).toHaveText(target.hash);
    await expect(card.getByTestId('approve-blocked')).toHaveCount(0);
    // The console's queue holds what the server holds once its read models are level with the replica.
    const pendingBefore = target.pendingTotal;
    await expect(title).toHaveText(`Approvals · ${pendingBefore} pending`);
    await card.scrollIntoViewIfNeeded();
    await shot(page, 'four-eyes-before-approval');
    const sent = page.waitForRequest((r) => r.url().endsWith('/api/ipc/changeRequests:approve'));
    await card.getByRole('button', { name: 'Approve this payload' }).click();
    // HIGH tier: a second step repeats the payload hash before anything is sent.
    const confirm = card.getByTestId('approve-confirm');
    await expect(confirm).toContainText(`HIGH tier: approve exactly this payload? Its hash is ${target.hash}.`);
    await shot(page, 'four-eyes-confirm-hash');
    await confirm.getByTestId('approve-confirm-button').click();
    expect((await sent).postDataJSON()).toEqual({ id: target.id, payloadHash: target.hash }); // exactly the hash on screen

    // One approval is the HIGH quorum: the change applies and the request leaves the pending count; its card stays,
    // marked as decided here with the new status, until the round trip is seen and the reviewer dismisses it...
    await expect(title).toHaveText(`Approvals · ${pendingBefore - 1} pending`);
    await expect(card.getByTestId('decided-here')).toHaveText(
      'Decided here: you approved this request · status now APPLIED',
    );
    await expect(card.getByTestId('round-trip-applied')).toHaveText(
      /^Applied by the control plane as ledger entry #\d+ \(\d+ ms\)$/,
    );
    await expect(card.getByTestId('round-trip')).toHaveAttribute('data-status', 'verified');
    // The change it applied ends at the SDK instances of its environment (or says there are none to apply it).
    await expect(card.getByTestId('round-trip-fleet')).toHaveAttribute('data-status', /^(complete|partial)$/, {
      timeout: 20_000,
    });
    await expect(card.getByTestId('round-trip-fleet-summary')).toHaveText(
      /^(Applied by \d+ of \d+ SDK instances|No SDK instance of [a-z0-9_-]+ is registered with the control plane: none to apply it\.$)/,
    );
    await expect(card.getByRole('button', { name: 'Approve this payload' })).toHaveCount(0);
    const server = (await api(cp, 'vic', 'GET', `/api/v1/change-requests/${target.id}`)).body;
    expect(server).toMatchObject({
      status: 'APPLIED',
      valid_approvals: 1,
      approvals: [{ approver: 'avery', payload_hash: target.hash, valid: true }],
    });
    // ...in one transaction: the approval entry, then the applied change right after it.
    const appliedIdx = num(server, 'applied_idx');
    expect(await ledgerEntry(cp, appliedIdx - 1)).toMatchObject({
      action: 'change_request.approved',
      actor: { type: 'user', id: 'avery' },
      refs: { change_request: target.id, payload_hash: target.hash },
    });
    expect(await ledgerEntry(cp, appliedIdx)).toMatchObject({
      action: 'change_request.applied',
      flag: target.flag,
      actor: { id: 'avery' },
      refs: { change_request: target.id, payload_hash: target.hash },
    });
    // ...and, listed with the decided ones, it shows the approval count and who gave it.
    await approvals.getByRole('checkbox', { name: 'show decided' }).check();
    await expect(card.getByTestId('approvals-count')).toHaveText('approvals 1/1');
    await expect(card).toContainText('Approved by avery');
    await expect(card.locator('header .pill').last()).toHaveText('APPLIED');
    await card.scrollIntoViewIfNeeded();
    await shot(page, 'four-eyes-approved');
    await approvals.getByRole('checkbox', { name: 'show decided' }).uncheck();
    await expect(card).toHaveCount(1);
    await card.getByRole('button', { name: `Dismiss change request ${target.id} from the queue` }).click();
    await expect(card).toHaveCount(0);

    // 2. A request avery opened: the card says why avery cannot approve it, and the control plane refuses anyway.
    const flag = (await api(cp, 'vic', 'GET', `/api/v1/flags/${target.flag}`)).body;
    expect(str(flag, 'tier')).toBe('HIGH');
    const staging = num(flag, 'environments', 'staging', 'rollout_pct');
    const created = await api(cp, 'avery', 'POST', '/api/v1/change-requests', {
      flag_key: target.flag,
      environment: 'staging',
      enabled: true,
      rollout_pct: staging === 5 ? 10 : 5,
      reason: 'staging soak before the next production step',
    });
    expect(created.status).toBe(201);
    const own = { id: str(created.body, 'id'), hash: str(created.body, 'payload_hash') };
    expect(field(created.body, 'requested_by')).toBe('avery');
    const ownCard = page.getByTestId(`cr-${own.id}`);
    await expect(ownCard.getByTestId('payload-hash')).toHaveText(own.hash, { timeout: 20_000 });
    await expect(ownCard.getByTestId('approvals-count')).toHaveText('approvals 0/1');
    await expect(ownCard.getByTestId('approve-blocked')).toHaveText(
      'You (avery) requested this change. Four-eyes review needs another person to approve it; the control plane refuses self-approval.',
    );
    await expect(ownCard.getByRole('button', { name: 'Approve this payload' })).toBeDisabled();
    await ownCard.scrollIntoViewIfNeeded();
    await shot(page, 'four-eyes-self-approval-blocked');

    const refused = await api(cp, 'avery', 'POST', `/api/v1/change-requests/${own.id}/approve`, {
      payload_hash: own.hash,
    });
    expect(refused.status).toBe(403);
    expect(str(refused.body, 'error', 'code')).toBe('SELF_APPROVAL');
    expect((await api(cp, 'vic', 'GET', `/api/v1/change-requests/${own.id}`)).body).toMatchObject({
      status: 'PENDING',
      valid_approvals: 0,
      approvals: [],
    });
  } finally {
    await stopAll(consoleHost, cp);
  }
});
