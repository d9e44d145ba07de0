/** The one screen once a replica exists: incidents, candidates, timeline, changes and approvals side by side. */
import { lazy, Suspense } from 'react';
import { Panel } from '../ui/panel.tsx';
import { ApprovalsPanel } from './approvals/approvals-panel.tsx';
import { ChangesPanel } from './changes/changes-panel.tsx';
import { CandidatesPanel } from './incidents/candidates-panel.tsx';
import { IncidentList } from './incidents/incident-list.tsx';

// The chart library is the biggest part of the bundle: load it after the incident screen is up.
const TimelinePanel = lazy(() => import('./timeline/timeline-panel.tsx').then((m) => ({ default: m.TimelinePanel })));

/** The layout grid. */
export function MainScreen() {
  return (
    <main className="screen" aria-label="Incident triage" data-testid="main-screen" tabIndex={-1}>
      <div className="col-left">
        <IncidentList />
      </div>
      <div className="col-center">
        <CandidatesPanel />
        <Suspense
          fallback={
            <Panel id="timeline" title="Timeline">
              <p className="muted" role="status">
                Loading the chart…
              </p>
            </Panel>
          }
        >
          <TimelinePanel />
        </Suspense>
        <ChangesPanel />
      </div>
      <div className="col-right">
        <ApprovalsPanel />
      </div>
    </main>
  );
}
