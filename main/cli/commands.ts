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
  { name: 'serve', summary: 'run the console in browser mode on 127.0.0.1 (prints the URL)', load: () => import('./serve.ts') },
];
