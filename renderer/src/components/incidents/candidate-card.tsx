/** One ranked candidate cause: what changed, who, when relative to the alert, why it ranks, and the two fixes. */
import type { Candidate } from '../../../../shared/correlate/types.ts';
import type { EntryRow } from '../../../../shared/ipc/contract.ts';
import { seconds } from '../../lib/time-format.ts';
import { when } from '../../lib/when.ts';
import { useBlock, useNow, useVerified } from '../../ui/hooks.ts';
import { ValueChange } from '../../ui/value.tsx';
import { useApp } from '../../store-context.tsx';

function Badges({ c }: { c: Candidate }) {
  const { upTo, verifying } = useVerified();
  return (
    <span className="badges">
      <span className={`pill confidence-${c.confidence}`}>confidence {c.confidence}</span>
      {c.scheduled && (
        <span className="pill" data-testid="badge-scheduled">
          scheduled
        </span>
      )}
      {c.pre_approved && (
        <span className="pill" data-testid="badge-pre-approved">
          pre-approved
        </span>
      )}
      {c.after_alert && (
        <span className="pill pill-warn" data-testid="badge-after-alert">
          after alert
        </span>
      )}
      {c.verified && c.ledger_idx < upTo ? (
        <span className="pill pill-ok" data-testid="badge-verified" title="Covered by a verified signed checkpoint">
          ✓ verified
        </span>
      ) : c.verified && verifying ? (
        <span
          className="pill"
          data-testid="badge-verifying"
          title="The replica is being re-verified since the console started; this entry is shown as verified once that ends"
        >
          verification in progress
        </span>
      ) : (
        <span
          className="pill pill-warn"
          data-testid="badge-unverified"
          title="Not yet covered by a verified checkpoint"
        >
          unverified
        </span>
      )}
    </span>
  );
}

/** What happened to a candidate since: "Rolled back by you at … (#idx)", "Killed by …", or another change. */
export function outcomeText(row: EntryRow, me: string | null, now: number): string {
  const who = me !== null && row.actor === me ? 'you' : row.actor;
  const at = `at ${when(row.ts, now)} (#${row.idx})`;
  switch (row.action) {
    case 'flag.rolled_back':
      return `Rolled back by ${who} ${at}`;
    case 'flag.auto_rolled_back':
      return `Rolled back automatically by ${who} ${at}`;
    case 'flag.killed':
      return `Killed by ${who} ${at}`;
    default:
      return `Changed again by ${who} ${at}: ${row.summary}`;
  }
}

/** The card; `topScore` scales the score bar. */
export function CandidateCard({ c, topScore }: { c: Candidate; topScore: number }) {
  const openDialog = useApp((s) => s.openDialog);
  const outcome = useApp((s) => s.candidateOutcomes[c.ledger_idx] ?? null);
  const me = useApp((s) => s.identity?.name ?? null);
  const now = useNow(30_000);
  const rollbackBlock = useBlock('rollback');
  // Rolled back or killed since: the card says so instead of offering the same rollback again. (After another kind
  // of change the rollback stays offered; the control plane's compare-and-swap decides, the dialog explains.)
  const undone =
    outcome !== null && ['flag.rolled_back', 'flag.auto_rolled_back', 'flag.killed'].includes(outcome.action);
  const killBlock = useBlock('kill');
  const when = c.after_alert
    ? `logged ${seconds(-c.delta_seconds_before_alert)} after the alert`
    : `${seconds(c.delta_seconds_before_alert)} before the alert`;
  const share = topScore > 0 ? c.score / topScore : 0;
  return (
    <article
      tabIndex={-1}
      data-focus-return
      className="candidate"
      data-testid={`candidate-${c.candidate_rank}`}
      aria-labelledby={`cand-${c.candidate_rank}-title`}
    >
      <header>
        <h3 id={`cand-${c.candidate_rank}-title`}>
          <span className="rank">#{c.candidate_rank}</span>{' '}
          <button
            type="button"
            className="link"
            onClick={() => openDialog({ kind: 'flag', key: c.flag_key })}
            aria-label={`Flag details of ${c.flag_key}`}
          >
            <code data-testid="candidate-flag">{c.flag_key}</code>
          </button>
          {c.environment && <span className="pill env">{c.environment}</span>}
        </h3>
        <Badges c={c} />
      </header>
      <p>
        <strong>{c.actor}</strong> changed it {when} · ledger #{c.ledger_idx}
      </p>
      <p className="values">
        <ValueChange before={c.previous_value} after={c.new_value} />
      </p>
      <div className="score">
        <progress
          max={1}
          value={share}
          aria-label={`Score ${c.score.toFixed(2)}, ${Math.round(share * 100)} % of the top candidate`}
        />
        <span data-testid="candidate-score">score {c.score.toFixed(2)}</span>
      </div>
      <ul className="explanation" aria-label="Why it ranks here">
        {c.explanation.map((f) => (
          <li key={f.factor}>
            <code>×{f.multiplier.toFixed(2)}</code> {f.factor}: {f.text}
          </li>
        ))}
      </ul>
      {outcome && (
        <p className={`outcome outcome-${outcome.action.replace('flag.', '')}`} data-testid="candidate-outcome">
          {outcomeText(outcome, me, now)}
        </p>
      )}
      <div className="row">
        {!undone && (
          <button
            type="button"
            className="danger"
            disabled={rollbackBlock !== null}
            aria-describedby={rollbackBlock ? 'candidates-blocked' : undefined}
            onClick={() => openDialog({ kind: 'rollback', idx: c.ledger_idx })}
          >
            Roll back
          </button>
        )}
        <button
          type="button"
          className="danger"
          disabled={killBlock !== null || !c.environment || outcome?.action === 'flag.killed'}
          aria-describedby={killBlock ? 'candidates-blocked' : undefined}
          onClick={() => openDialog({ kind: 'kill', flag: c.flag_key, env: c.environment })}
        >
          Kill switch
        </button>
      </div>
    </article>
  );
}
