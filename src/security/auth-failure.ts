// AuthenticationFailure: a 401 ParleyError that also says why, for audit details and metrics (never the credential).

import { ParleyError } from '../domain/index.js';

/** Why a credential was refused; safe as an audit detail or a metric label (bounded set). */
export type AuthFailureReason =
  | 'missing'
  | 'scheme'
  | 'malformed'
  | 'unknown'
  | 'expired'
  | 'revoked'
  | 'rotated'
  | 'oidc-disabled'
  | 'oidc-invalid'
  | 'oidc-expired';

/** A refused credential: code 'unauthorized' (401) with a message that says what to fix. */
export class AuthenticationFailure extends ParleyError {
  readonly reason: AuthFailureReason;

  constructor(reason: AuthFailureReason, message: string, options: { cause?: unknown } = {}) {
    super('unauthorized', message, options);
    this.reason = reason;
  }
}

/** True for {@link AuthenticationFailure}s. */
export function isAuthenticationFailure(error: unknown): error is AuthenticationFailure {
  return error instanceof AuthenticationFailure;
}
