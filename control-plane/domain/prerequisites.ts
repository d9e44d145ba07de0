/** Prerequisite graph checks: every prerequisite must be a live flag, and no write may close a cycle (409 + cycle_path). */
import type { Db } from '../db/db.ts';
import { DomainError } from './errors.ts';
import { stmt } from '../db/stmt.ts';
import { envGraph } from './flag-repo.ts';

/**
 * The cycle that giving `key` the prerequisites `prereqs` in one environment would close, as a path that starts and
 * ends at `key` (e.g. ["a.b.c", "d.e.f", "a.b.c"]); null when the graph stays acyclic. Iterative DFS, bounded by the
 * number of flags.
 */
export function findCycle(graph: Map<string, string[]>, key: string, prereqs: readonly string[]): string[] | null {
  const edges = (node: string): readonly string[] => (node === key ? prereqs : (graph.get(node) ?? []));
  const parent = new Map<string, string>();
  const seen = new Set<string>();
  const stack: string[] = [];
  for (const p of prereqs) {
    if (!seen.has(p)) {
      seen.add(p);
      parent.set(p, key);
      stack.push(p);
    }
  }
  while (stack.length > 0) {
    const node = stack.pop() as string;
    if (node === key) return pathTo(parent, key);
    for (const next of edges(node)) {
      if (next === key) {
        parent.set(key, node);
        return pathTo(parent, key);
      }
      if (!seen.has(next)) {
        seen.add(next);
        parent.set(next, node);
        stack.push(next);
      }
    }
  }
  return null;
}

function pathTo(parent: Map<string, string>, key: string): string[] {
  const path = [key];
  let node = parent.get(key);
  while (node !== undefined && node !== key && path.length <= parent.size + 1) {
    path.unshift(node);
    node = parent.get(node);
  }
  path.unshift(key);
  return path;
}

/** Throws 422 UNKNOWN_PREREQUISITE or 409 PREREQUISITE_CYCLE for an invalid prerequisite list. */
export function checkPrerequisites(db: Db, key: string, env: string, prereqs: readonly string[]): void {
  for (const p of prereqs) {
    if (p === key) {
      throw new DomainError('PREREQUISITE_CYCLE', `${key} cannot be its own prerequisite`, {
        cycle_path: [key, key],
      });
    }
    if (stmt(db, 'SELECT 1 FROM flags WHERE key = ?').get(p) === undefined) {
      throw new DomainError(
        'UNKNOWN_PREREQUISITE',
        `prerequisite ${p} is not a live flag; create it first or remove it`,
        { prerequisite: p },
      );
    }
  }
  const cycle = findCycle(envGraph(db, env), key, prereqs);
  if (cycle !== null) {
    throw new DomainError(
      'PREREQUISITE_CYCLE',
      `these prerequisites would create a cycle in ${env}: ${cycle.join(' → ')}`,
      { cycle_path: cycle },
    );
  }
}

/** Live flags that list `key` as a prerequisite in any environment (prerequisite_edges, kept by triggers). */
export function dependentsOf(db: Db, key: string): string[] {
  return stmt(db, 'SELECT DISTINCT flag_key FROM prerequisite_edges WHERE prerequisite = ? ORDER BY flag_key')
    .pluck()
    .all(key) as string[];
}
