// Who is making a request: attached to every request context by authentication.

export type Role = 'user' | 'auditor' | 'admin';

export interface Principal {
  /** Stable id (key id or OIDC subject); owner of sessions, never a metric label. */
  id: string;
  role: Role;
  /** How the principal authenticated. */
  via: 'api-key' | 'oidc' | 'anonymous';
  /** Cache and rate-limit scope; defaults to the principal id. */
  scope: string;
}
