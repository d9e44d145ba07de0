/** Variants: validated against every state, served to SDKs, and a gated change on HIGH/BLOCKED flags (four-eyes). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SdkConfig } from '../../shared/protocol/sdk.ts';
import type { Harness } from '../test-support/harness.ts';
import { code, lastEntry, makeFlag, obj, startHarness } from '../test-support/harness.ts';

let h: Harness;
let sdkKey: string;
beforeAll(async () => {
  h = await startHarness();
  sdkKey = obj(await h.req('alice', 'POST', '/api/v1/sdk/keys', { environment: 'production', name: 'v' }))[
    'key'
  ] as string;
});
afterAll(async () => h.close());

const COLORS = { off: 'grey', on: 'blue', green: 'green' };

async function sdkFlag(key: string): Promise<Record<string, unknown> | undefined> {
  const cfg = (await h.req(`token:${sdkKey}`, 'GET', '/api/v1/sdk/config')).body as SdkConfig;
  return cfg.flags.find((f) => f.key === key) as unknown as Record<string, unknown> | undefined;
}

describe('variants', () => {
  it('are stored with the definition, written to the ledger and served to SDKs', async () => {
    await makeFlag(h, 'checkout.ui.button-color', 'MEDIUM', { variants: COLORS });
    const view = obj(await h.req('vera', 'GET', '/api/v1/flags/checkout.ui.button-color'));
    expect(view['variants']).toEqual(COLORS);
    expect(((await lastEntry(h))['after'] as Record<string, unknown>)['variants']).toEqual(COLORS);
    expect((await sdkFlag('checkout.ui.button-color'))?.['variants']).toEqual(COLORS);
    // Flags without variants keep their ledger form (no variants key) and are boolean for SDKs.
    await makeFlag(h, 'checkout.ui.plain');
    expect(Object.keys((await lastEntry(h))['after'] as object)).not.toContain('variants');
    expect((await sdkFlag('checkout.ui.plain'))?.['variants']).toEqual({ off: false, on: true });
  });

  it('refuses variants without off, and states that serve a variation the variants lack (422 UNKNOWN_VARIANT)', async () => {
    const noOff = await h.req('alice', 'PATCH', '/api/v1/flags/checkout.ui.button-color', { variants: { on: 1 } });
    expect([noOff.status, code(noOff)]).toEqual([400, 'INVALID_BODY']);
    const bad = await h.req('alice', 'PATCH', '/api/v1/flags/checkout.ui.button-color/environments/production', {
      rules: [{ attribute: 'country', op: 'in', values: ['DE'], variation: 'red' }],
      reason: 'red for germany',
    });
    expect([bad.status, code(bad)]).toEqual([422, 'UNKNOWN_VARIANT']);
    expect((obj(bad)['error'] as Record<string, unknown>)['missing']).toEqual(['red']);
    const drop = await h.req('alice', 'PATCH', '/api/v1/flags/checkout.ui.button-color', {
      variants: { off: 'grey', green: 'green' },
    });
    expect([drop.status, code(drop)]).toEqual([422, 'UNKNOWN_VARIANT']);
    const ok = await h.req('alice', 'PATCH', '/api/v1/flags/checkout.ui.button-color/environments/production', {
      enabled: true,
      rollout_pct: 100,
      rules: [{ attribute: 'country', op: 'in', values: ['DE'], variation: 'green' }],
      reason: 'green for germany',
    });
    expect(ok.status).toBe(200);
  });

  it('on a HIGH flag a variants change needs four-eyes (definition change request), like the safe default', async () => {
    await makeFlag(h, 'payments.ui.pay-label', 'HIGH', { variants: { off: 'Pay', on: 'Pay now' } });
    const direct = await h.req('rita', 'PATCH', '/api/v1/flags/payments.ui.pay-label', {
      variants: { off: 'Pay', on: 'Pay everything now' },
      reason: 'copy change',
    });
    expect([direct.status, code(direct)]).toEqual([403, 'APPROVAL_REQUIRED']);
    expect((obj(direct)['error'] as Record<string, unknown>)['message']).toMatch(
      /changing its variants \(what every SDK serves\) needs four-eyes/,
    );
    const cr = obj(
      await h.req('rita', 'POST', '/api/v1/change-requests', {
        flag_key: 'payments.ui.pay-label',
        operation: 'definition',
        variants: { off: 'Pay', on: 'Pay everything now' },
        reason: 'copy change approved by legal',
      }),
    );
    expect(cr['status']).toBe('PENDING');
    const self = await h.req('rita', 'POST', `/api/v1/change-requests/${String(cr['id'])}/approve`, {
      payload_hash: cr['payload_hash'],
    });
    expect(self.status).toBe(403);
    const res = await h.req('amy', 'POST', `/api/v1/change-requests/${String(cr['id'])}/approve`, {
      payload_hash: cr['payload_hash'],
    });
    expect(obj(res)['status']).toBe('APPLIED');
    expect((await sdkFlag('payments.ui.pay-label'))?.['variants']).toEqual({ off: 'Pay', on: 'Pay everything now' });
    // On a LOW/MEDIUM flag it is a direct edit.
    const low = await h.req('rita', 'PATCH', '/api/v1/flags/checkout.ui.button-color', {
      variants: { ...COLORS, on: 'navy' },
    });
    expect(low.status).toBe(200);
  });

  it('is checked again when a request applies: a state that moved since blocks the variants it no longer fits', async () => {
    const key = await makeFlag(h, 'payments.ui.pay-style', 'HIGH', {
      variants: { off: 'plain', on: 'blue', bold: 'BOLD' },
    });
    const open = async (who: string, body: Record<string, unknown>): Promise<Record<string, unknown>> => {
      const res = await h.req(who, 'POST', '/api/v1/change-requests', {
        flag_key: key,
        reason: 'planned change',
        ...body,
      });
      expect(res.status).toBe(201);
      return obj(res);
    };
    const approve = (cr: Record<string, unknown>) =>
      h.req('amy', 'POST', `/api/v1/change-requests/${String(cr['id'])}/approve`, { payload_hash: cr['payload_hash'] });
    const dropBold = await open('rita', { operation: 'definition', variants: { off: 'plain', on: 'blue' } });
    const useBold = await open('rita', {
      environment: 'production',
      rules: [{ attribute: 'plan', op: 'in', values: ['pro'], variation: 'bold' }],
    });
    expect(obj(await approve(useBold))['status']).toBe('APPLIED');
    const late = await approve(dropBold);
    expect([late.status, code(late)]).toEqual([422, 'UNKNOWN_VARIANT']);
    expect(obj(await h.req('vera', 'GET', `/api/v1/flags/${key}`))['variants']).toEqual({
      off: 'plain',
      on: 'blue',
      bold: 'BOLD',
    });
  });
});
