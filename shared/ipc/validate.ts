/**
 * Argument validation for every invoke channel. The renderer is untrusted (Electron checklist:
 * "validate IPC arguments in main"), so main runs these before any handler sees the arguments.
 */
import type { ArgsOf, InvokeChannel } from './contract.ts';
import type { IpcError } from './result.ts';

/** A validator returns the typed arguments or an error with code E_INVALID_ARGUMENT. */
export type Validator<C extends InvokeChannel> = (raw: unknown) => { ok: true; args: ArgsOf<C> } | { ok: false; error: IpcError };

function noArgs(raw: unknown): { ok: true; args: null } | { ok: false; error: IpcError } {
  if (raw === null || raw === undefined) return { ok: true, args: null };
  return { ok: false, error: { code: 'E_INVALID_ARGUMENT', message: 'This call takes no arguments; the request was refused and nothing changed.' } };
}

/** The validator of every channel; a missing entry is a type error. */
export const validators: { [C in InvokeChannel]: Validator<C> } = {
  'app:info': noArgs,
  'connection:status': noArgs,
  'connection:probe': noArgs,
};
