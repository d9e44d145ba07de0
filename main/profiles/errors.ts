/** Errors of the profile store: each has a code and a sentence saying what happened and what to do. */
import { AppError } from '../ipc/app-error.ts';

/** Every code the profile store throws. */
export type ProfileErrorCode =
  | 'E_SECRET_STORE_UNAVAILABLE'
  | 'E_SECRET_UNREADABLE'
  | 'E_PROFILE_NOT_FOUND'
  | 'E_PROFILE_INVALID'
  | 'E_PROFILE_STORE_CORRUPT'
  | 'E_KEY_INVALID'
  | 'E_ORIGIN_CHANGED'
  | 'E_NO_REPLICA';

/** A profile-store failure (an AppError, so the code reaches the renderer unchanged). */
export class ProfileError extends AppError {
  declare readonly code: ProfileErrorCode;

  constructor(code: ProfileErrorCode, message: string) {
    super(code, message);
    this.name = 'ProfileError';
  }
}
