/** A ledger entry for tests that append straight through the writer: a flag creation by `who`, the i-th. */
import type { LeafInput } from '../ledger/writer.ts';

export function testEntry(who: string, i: number): LeafInput {
  return {
    ts: Date.UTC(2026, 0, 1) + i,
    actor: { type: 'user', id: who },
    action: 'flag.create',
    flag: `${who}.flag${i}`,
    env: null,
    before: null,
    after: { i },
    reason: `${who} ${i}`,
  };
}
