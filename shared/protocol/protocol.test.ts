import { describe, expect, it } from 'vitest';
import { API_PREFIX, PATHS, pathTo, requiredApprovals, tierRank, TIERS, isTier } from './index.ts';

describe('paths', () => {
  it('fills parameters, URI-encoded', () => {
    expect(pathTo('kill', { key: 'payments.checkout.new_flow' })).toBe('/api/v1/flags/payments.checkout.new_flow/kill');
    expect(pathTo('flagEnvironment', { key: 'a b/c', env: 'prod?x' })).toBe(
      '/api/v1/flags/a%20b%2Fc/environments/prod%3Fx',
    );
    expect(pathTo('rollbackLink', { idx: 42 })).toBe('/api/v1/ledger/entries/42/rollback-link');
    expect(pathTo('approve', { id: 'cr-7' })).toBe('/api/v1/change-requests/cr-7/approve');
    expect(pathTo('me')).toBe('/api/v1/me');
  });

  it('versions every endpoint but the two health probes', () => {
    const unversioned = Object.values(PATHS).filter((p) => !p.startsWith(`${API_PREFIX}/`));
    expect(unversioned).toEqual(['/health', '/readyz']);
    expect(new Set(Object.values(PATHS)).size).toBe(Object.values(PATHS).length);
  });
});

describe('tiers and the quorum rule', () => {
  it('ranks the tiers and sets the approvals each needs', () => {
    expect(TIERS.map(tierRank)).toEqual([0, 1, 2, 3]);
    expect(TIERS.map(requiredApprovals)).toEqual([0, 0, 1, 2]);
    expect([isTier('HIGH'), isTier('high'), isTier(null)]).toEqual([true, false, false]);
  });
});
