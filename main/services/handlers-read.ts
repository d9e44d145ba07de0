/**
 * Handlers of the read channels: everything about control-plane state is derived from the local
 * replica (read models in main/read-models), so it works offline and shows exactly what can be verified.
 */
import type { Handler } from '../ipc/registry.ts';
import {
  entryDetail,
  flagDetail,
  inclusionCheck,
  listChangeRequests,
  listFlags,
  listIncidents,
  queryLedger,
} from '../read-models/index.ts';
import type { ConsoleRuntime } from './console-runtime.ts';

type ReadChannel =
  | 'ledger:query'
  | 'ledger:entry'
  | 'ledger:inclusion'
  | 'incidents:list'
  | 'flags:list'
  | 'flags:get'
  | 'changeRequests:list';

/** The read handlers. */
export function readHandlers(runtime: ConsoleRuntime): { [C in ReadChannel]: Handler<C> } {
  // Each read model indexes new entries for a few ms before answering; the backlog is indexed in the background.
  const db = () => runtime.replica().db;
  return {
    'ledger:query': (q) => queryLedger(db(), q),
    'ledger:entry': ({ idx }) => entryDetail(db(), idx),
    'ledger:inclusion': ({ idx }) => inclusionCheck(db(), idx),
    'incidents:list': (args) => {
      const list = listIncidents(db(), args);
      // With nothing active, the list is the whole first screen (no ranking follows).
      if (!list.incidents.some((i) => i.status !== 'resolved')) runtime.activeSession()?.screenServed();
      return list;
    },
    'flags:list': (args) => listFlags(db(), args),
    'flags:get': ({ key }) => flagDetail(db(), key),
    'changeRequests:list': ({ status }) => listChangeRequests(db(), status),
  };
}
