// Wires authentication: the file key store, the first-start admin key and login link, OIDC, anonymous mode.

import type { Logger } from 'pino';
import type { ParleyConfig } from '../config/types.js';
import type { Principal } from '../domain/index.js';
import type { AuditLog } from '../audit/audit-log.js';
import { createAuthenticator } from '../security/authenticator.js';
import { FileKeyStore } from '../security/file-key-store.js';
import { diffKeyRecords } from '../security/key-changes.js';
import type { KeyStore } from '../security/key-store.js';
import { LoginLinks } from '../security/login-links.js';

export interface SecurityParts {
  keyStore: KeyStore;
  loginLinks: LoginLinks;
  authenticate(header: string | undefined): Promise<Principal>;
  /** Printed once at first start: the admin key and a one-time login path (`/#login=...`). */
  firstStart?: { adminKey: string; loginPath: string };
  close(): Promise<void>;
}

const LOCAL_ADMIN: Principal = { id: 'local', role: 'admin', via: 'anonymous', scope: 'local' };

/** Opens the key store and builds the authenticator; creates the first admin key when there is none. */
export async function buildSecurity(config: ParleyConfig, logger: Logger, audit: AuditLog, loginLinks = new LoginLinks()): Promise<SecurityParts> {
  const keyStore = await FileKeyStore.open({
    dataDir: config.dataDir,
    watch: true,
    onReloadError: (error) => logger.error({ err: error }, 'reloading keys.json failed; the previous keys stay in force'),
    // Changes made with the `parley keys` command reach the server through the file: audit them here.
    onExternalChange: (before, after) => {
      for (const change of diffKeyRecords(before, after)) {
        audit.append({ requestId: 'keys-file', action: change.action, outcome: 'success', resource: `key:${change.id}`, details: { role: change.role, via: 'cli' } });
      }
    },
  });
  let firstStart: SecurityParts['firstStart'];
  if (!config.auth.anonymous && !config.auth.oidc && (await keyStore.list()).length === 0) {
    const issued = await keyStore.create({ name: 'first-start admin', role: 'admin', owner: 'admin' });
    audit.append({ requestId: 'startup', action: 'key.created', outcome: 'success', resource: `key:${issued.record.id}`, details: { role: 'admin', reason: 'first-start' } });
    firstStart = { adminKey: issued.secret, loginPath: `/#login=${await loginLinks.issue()}` };
  }
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
  return { keyStore, loginLinks, authenticate, firstStart, close: () => keyStore.close() };
}
