import { describe, expect, it } from 'vitest';
import { explainSyncError } from './sync-error.ts';

describe('sync errors on screen', () => {
  it('read as sentences with their code, never a raw socket error', () => {
    expect(explainSyncError('E_NETWORK: GET /api/v1/ledger/stream failed: connect ECONNREFUSED 127.0.0.1:4000')).toBe(
      'the control plane refused the connection: it is not running or not listening at that address (E_NETWORK)',
    );
    expect(explainSyncError('E_TIMEOUT: GET /api/v1/info failed: timeout')).toBe(
      'the control plane did not answer in time (E_TIMEOUT)',
    );
    expect(explainSyncError('E_PROTOCOL: the stream sent an entry out of order.')).toBe(
      'the stream sent an entry out of order (E_PROTOCOL)',
    );
    expect(explainSyncError('the control plane does not answer')).toBe('the control plane does not answer');
  });
});
