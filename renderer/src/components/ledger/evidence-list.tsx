/** Evidence of verification failures; a fork shows both signed notes side by side. */
import { dateTime } from '../../lib/time-format.ts';
import { useApp } from '../../store-context.tsx';

/** The list, newest first; an honest line when there is none. */
export function EvidenceList() {
  const evidence = useApp((s) => s.evidence);
  return (
    <section aria-labelledby="evidence-title" data-testid="evidence-list">
      <h3 id="evidence-title">Evidence ({evidence.length})</h3>
      {evidence.length === 0 && <p className="muted">No verification failure has been recorded for this replica.</p>}
      {evidence.map((e) => (
        <article key={e.id} className="evidence" data-testid={`evidence-${e.id}`}>
          <p>
            <code className="error-code">{e.code}</code> {e.kind}
            {e.idx !== null && (
              <>
                {' '}
                at entry <strong>#{e.idx}</strong>
              </>
            )}{' '}
            · {dateTime(e.at)}
          </p>
          <p>{e.detail}</p>
          {e.notes.length > 0 && (
            <div className={e.notes.length > 1 ? 'notes-pair' : undefined}>
              {e.notes.map((n, i) => (
                <figure key={i}>
                  <figcaption>
                    {e.notes.length > 1 ? `Signed note ${i + 1} of ${e.notes.length}` : 'Signed note'}
                  </figcaption>
                  <pre className="leaf">{n}</pre>
                </figure>
              ))}
            </div>
          )}
        </article>
      ))}
    </section>
  );
}
