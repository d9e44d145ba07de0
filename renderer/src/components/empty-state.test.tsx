import { describe, expect, it } from 'vitest';
import { syncingText } from './empty-state.tsx';

describe('empty state while the first sync runs', () => {
  it('says what is happening with progress instead of an error code', () => {
    expect(
      syncingText(
        { kind: 'backfilling', url: 'http://127.0.0.1:4000', done: 5_000, total: 20_000 },
        { done: 5_000, total: 20_000, ratePerSecond: 2_500.4, etaSeconds: 6 },
      ),
    ).toBe('Copying and verifying the ledger: 5,000 of 20,000 entries · 2,500 entries/s · about 6 s left.');
    expect(syncingText({ kind: 'connecting', url: 'http://127.0.0.1:4000' }, null)).toBe(
      'Connecting to http://127.0.0.1:4000 to copy its ledger…',
    );
    expect(syncingText({ kind: 'idle' }, null)).toBeNull();
  });
});
