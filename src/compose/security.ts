// Wires authentication: the key store (picked by durable-state.ts), the first-start admin key and login link, OIDC,
// anonymous mode.

import type { ParleyConfig } from '../config/types.js';
import type { Principal } from '../domain/index.js';
import type { AuditLog } from '../audit/audit-log.js';
import { createAuthenticator } from '../security/authenticator.js';
import type { KeyStore } from '../security/key-store.js';
import { LoginLinks } from '../security/login-links.js';

export interface SecurityParts {
  keyStore: KeyStore;
  loginLinks: LoginLinks;
  authenticate(header: string | undefined): Promise<Principal>;
  close(): Promise<void>;
}

const LOCAL_ADMIN: Principal = { id: 'local', role: 'admin', via: 'anonymous', scope: 'local' };

/**
 * Creates the first admin key (and a one-time login path, `/#login=...`) when API keys are the only way in and there
 * is none yet.
 */
export async function ensureFirstAdmin(
  config: ParleyConfig,
  keyStore: KeyStore,
  loginLinks: LoginLinks,
  audit: AuditLog,
): Promise<{ adminKey: string; loginPath: string } | undefined> {
  if (config.auth.anonymous || config.auth.oidc || (await keyStore.list()).length > 0) return undefined;
  const issued = await keyStore.create({ name: 'first-start admin', role: 'admin', owner: 'admin' });
  audit.append({
    requestId: 'startup',
    action: 'key.created',
    outcome: 'success',
    resource: `key:${issued.record.id}`,
    details: { role: 'admin', reason: 'first-start' },
  });
  return { adminKey: issued.secret, loginPath: `/#login=${await loginLinks.issue()}` };
}

/** Builds the authenticator over `keyStore`; `ensureFirstAdmin` runs once the store is reachable. */
export async function buildSecurity(
  config: ParleyConfig,
  keyStore: KeyStore,
  loginLinks: LoginLinks,
): Promise<SecurityParts> {
  // jose is loaded only when OIDC is configured.
  const oidc = config.auth.oidc
    ? (await import('../security/oidc.js')).createOidcVerifier({
        issuer: config.auth.oidc.issuer,
        audience: config.auth.oidc.audience,
        rolesClaim: config.auth.oidc.rolesClaim,
        roleMapping: config.auth.oidc.roleMapping,
        defaultRole: config.auth.oidc.defaultRole,
        algorithms: config.auth.oidc.algorithms,
        clockSkewSec: Math.round(config.auth.oidc.clockSkewMs / 1000),
      })
    : undefined;
  const authenticator = createAuthenticator({ keyStore, oidc });
  const authenticate = config.auth.anonymous
    ? async (header: string | undefined) => (header ? authenticator.authenticate(header) : LOCAL_ADMIN)
    : (header: string | undefined) => authenticator.authenticate(header);
  return { keyStore, loginLinks, authenticate, close: () => keyStore.close() };
}
