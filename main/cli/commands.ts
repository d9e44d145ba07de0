/** The registry of headless commands; each entry loads its module lazily. */

/** What a command module exports. */
export interface CommandModule {
  /** Runs the command with its own arguments; resolves to the exit status. */
  run(args: readonly string[]): Promise<number>;
}

/** One entry of the registry. */
export interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<CommandModule>;
}

/** Every command that exists, in the order `--help` lists them. */
export const commands: readonly CommandEntry[] = [
  {
    name: 'correlate',
    summary: 'rank the flag changes most likely to have caused an incident (offline)',
    load: () => import('./correlate.ts'),
  },
  {
    name: 'verify',
    summary: 'verify a replica (--db) or an exported ledger (--entries) offline',
    load: () => import('./verify.ts'),
  },
  {
    name: 'export',
    summary: 'export a replica for auditors (entries, checkpoints, trusted keys)',
    load: () => import('./export.ts'),
  },
  {
    name: 'serve',
    summary: 'run the console in browser mode on 127.0.0.1 (prints the URL)',
    load: () => import('./serve.ts'),
  },
  {
    name: 'eval',
    summary: 'evaluate flags for contexts with the real SDK against a control plane (SDK key)',
    load: () => import('./eval.ts'),
  },
  {
    name: 'sync',
    summary: "mirror a control plane's ledger into a verified replica (--once: catch up, print size and root)",
    load: () => import('./sync.ts'),
  },
];
