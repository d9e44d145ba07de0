/** The replica of an engine: given open, or opened once the log origin is known (pinned or confirmed). */
import type { TrustedKey } from '../../shared/ledger/index.ts';
import { LedgerError } from '../../shared/ledger/index.ts';
import type { ConsistencyProofFetcher } from '../ledger/replica-types.ts';
import { SyncHalt } from './errors.ts';
import type { SyncReplica } from './mirror.ts';

/** Opens the replica of a log (e.g. `Replica.open({ path, ...init })`). */
export type ReplicaOpener = (init: {
  origin: string;
  trustedKeys: TrustedKey[];
  fetchConsistencyProof: ConsistencyProofFetcher;
}) => SyncReplica;

/** Holds (and lazily opens) the replica. */
export class ReplicaHolder {
  private current: SyncReplica | null;
  private readonly opener: ReplicaOpener | null;
  private readonly fetcher: ConsistencyProofFetcher;

  constructor(source: SyncReplica | ReplicaOpener, fetcher: ConsistencyProofFetcher) {
    this.current = typeof source === 'function' ? null : source;
    this.opener = typeof source === 'function' ? source : null;
    this.fetcher = fetcher;
  }

  /** The replica if open. */
  get(): SyncReplica | null {
    return this.current;
  }

  /** The replica of `origin`, opening it if needed; open failures (rollback, other log) become SyncHalt. */
  open(origin: string, trustedKeys: TrustedKey[]): SyncReplica {
    if (this.current !== null) {
      if (this.current.origin !== origin)
        throw new SyncHalt(
          'ORIGIN_MISMATCH',
          `The replica mirrors "${this.current.origin}" but the control plane serves "${origin}".`,
        );
      for (const k of trustedKeys) this.current.addTrustedKey(k);
      return this.current;
    }
    if (this.opener === null) throw new Error('E_INTERNAL: no replica and no opener');
    try {
      this.current = this.opener({ origin, trustedKeys, fetchConsistencyProof: this.fetcher });
    } catch (err) {
      if (err instanceof LedgerError) throw new SyncHalt(err.code, `The local replica cannot be used: ${err.detail}`);
      // A file that is not a replica (E_NOT_A_REPLICA), a newer schema, an unopenable path: retrying cannot help.
      const coded = err instanceof Error ? /^(E_[A-Z_]+): (.*)$/s.exec(err.message) : null;
      if (coded?.[1] !== undefined) throw new SyncHalt(coded[1], coded[2] ?? '');
      throw err;
    }
    return this.current;
  }
}
