/** An error a service throws on purpose: its code and message reach the renderer unchanged. */
export class AppError extends Error {
  /** Stable machine-readable code, e.g. E_CONTROL_PLANE_UNREACHABLE. */
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = 'AppError';
    this.code = code;
  }
}
