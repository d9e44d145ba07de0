/** What an action on a flag would affect: tier, current state, safe default and blast radius. */
import type { FlagDetail } from '../../../../shared/ipc/contract.ts';
import { describeValue } from '../../ui/value.tsx';

/** The facts block; `env` highlights the environment acted on. */
export function FlagImpact({ flag, env }: { flag: FlagDetail; env: string | null }) {
  const current = env ? flag.environments[env] : undefined;
  return (
    <div className="flag-impact" data-testid="flag-impact">
      <dl className="facts">
        <dt>Flag</dt>
        <dd>
          <code>{flag.key}</code> ({flag.type}, {flag.stage}
          {flag.tombstoned ? ', tombstoned' : ''})
        </dd>
        <dt>Tier</dt>
        <dd>
          <span className={`pill tier tier-${flag.tier}`} data-testid="flag-tier">
            {flag.tier}
          </span>
        </dd>
        <dt>Owner</dt>
        <dd>{flag.owner}</dd>
        <dt>Current{env ? ` in ${env}` : ''}</dt>
        <dd data-testid="flag-current">{current ? describeValue(current) : env ? `not defined in ${env}` : '—'}</dd>
        <dt>Safe default</dt>
        <dd data-testid="flag-safe-default">{describeValue(flag.safe_default)}</dd>
      </dl>
      <h4>Blast radius</h4>
      <ul className="blast" data-testid="blast-radius">
        <li>Services: {flag.services.length ? flag.services.join(', ') : 'none declared'}</li>
        <li>
          Environments:{' '}
          {Object.entries(flag.environments).map(([name, s]) => (
            <span key={name} className={name === env ? 'pill env active' : 'pill env'}>
              {name}: {describeValue(s)}
            </span>
          ))}
        </li>
        <li>
          Dependent flags: {flag.dependents.length ? flag.dependents.map((d) => <code key={d}>{d} </code>) : 'none'}
        </li>
      </ul>
    </div>
  );
}
