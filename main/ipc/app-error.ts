/** An error a service throws on purpose: its code and message reach the renderer unchanged. */
export class AppError extends Error {
  /** Stable machine-readable code, e.g. E_CONTROL_PLANE_UNREACHABLE. */
  readonly code: string;
  /** Structured facts for the UI (e.g. the current state on a compare-and-swap conflict). */
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }
}
