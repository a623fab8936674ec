// OIDC bearer-token verifier: discovery, remote JWKS with refresh on unknown kid, strict claims, role mapping.

import { createRemoteJWKSet, customFetch, errors, jwtVerify } from 'jose';
import type { FetchImplementation, JWTPayload, JWTVerifyGetKey } from 'jose';
import { ParleyError } from '../domain/index.js';
import type { Principal, Role } from '../domain/index.js';
import { AuthenticationFailure } from './auth-failure.js';

/** Verifies an OIDC access/ID token and turns it into a principal. */
export interface OidcVerifier {
  /**
   * Resolves to the principal, or throws AuthenticationFailure (401), ParleyError forbidden (403, no role) or
   * upstream_network (503, IdP unreachable).
   */
  verify(token: string): Promise<Principal>;
}

/** Settings of {@link createOidcVerifier}; only issuer and audience are required. */
export interface OidcVerifierOptions {
  /** Exact `iss` value, e.g. https://login.example.com/realms/acme (discovery is fetched below it). */
  issuer: string;
  /** Accepted `aud` value(s): the identifier your IdP uses for Parley. */
  audience: string | string[];
  /** Dot path of the claim holding roles (string, space-separated string or array). Default 'roles'. */
  rolesClaim?: string;
  /** IdP role name → Parley role. Without it, claim values equal to user/auditor/admin are used as is. */
  roleMapping?: Record<string, Role>;
  /** Role for a valid token that carries no mapped role; unset means such tokens get 403. */
  defaultRole?: Role;
  /** Accepted JWS algorithms. Default RS256, ES256, PS256, EdDSA. 'none' is never accepted; HS* needs hmacSecret. */
  algorithms?: string[];
  /** Shared secret for HS* tokens (only when HS* is listed in algorithms). */
  hmacSecret?: Uint8Array;
  /** Tolerated clock difference for exp/nbf/iat, seconds. Default 60. */
  clockSkewSec?: number;
  /** Skip discovery and use this JWKS URL. */
  jwksUri?: string;
  /** Minimum time between JWKS refetches triggered by an unknown kid (jose cooldownDuration). Default 30 s. */
  jwksCooldownMs?: number;
  /** Refetch the JWKS when it is older than this even if every kid is known (jose cacheMaxAge). Default 10 min. */
  jwksMaxAgeMs?: number;
  /** Timeout of discovery and JWKS requests. Default 5 s. */
  timeoutMs?: number;
  /** fetch implementation (tests, proxies). Default global fetch. */
  fetch?: FetchImplementation;
  /** Epoch-ms clock for exp/nbf checks. Default Date.now. */
  clock?: () => number;
}

const DEFAULT_ALGORITHMS = ['RS256', 'ES256', 'PS256', 'EdDSA'];
const DISCOVERY_RETRY_MS = 5_000;
const ROLE_RANK: Record<Role, number> = { user: 1, auditor: 2, admin: 3 };

/** Builds a verifier; validates its settings at once so a bad config fails at start-up, not on the first request. */
export function createOidcVerifier(options: OidcVerifierOptions): OidcVerifier {
  const issuer = options.issuer;
  if (!/^https?:\/\//.test(issuer)) throw new Error(`oidc.issuer must be an http(s) URL, got "${issuer}"`);
  const algorithms = options.algorithms ?? DEFAULT_ALGORITHMS;
  if (algorithms.length === 0) throw new Error('oidc.algorithms must list at least one algorithm, e.g. RS256');
  if (algorithms.some((a) => a.toLowerCase() === 'none'))
    throw new Error('oidc.algorithms must not contain "none": unsigned tokens are never accepted');
  const usesHmac = algorithms.some((a) => a.startsWith('HS'));
  if (usesHmac && !options.hmacSecret)
    throw new Error(
      'oidc.algorithms lists an HS* algorithm; set oidc.hmacSecret or remove it (asymmetric algorithms are preferred)',
    );
  const rolesPath = (options.rolesClaim ?? 'roles').split('.');
  const timeoutMs = options.timeoutMs ?? 5_000;
  const clock = options.clock ?? Date.now;
  const fetchImpl: FetchImplementation = options.fetch ?? ((url, init) => fetch(url, init));

  let keySet: Promise<JWTVerifyGetKey> | undefined;
  const getKeySet = (): Promise<JWTVerifyGetKey> => {
    keySet ??= resolveJwksUri().then((uri) =>
      createRemoteJWKSet(new URL(uri), {
        cooldownDuration: options.jwksCooldownMs ?? 30_000,
        cacheMaxAge: options.jwksMaxAgeMs ?? 600_000,
        timeoutDuration: timeoutMs,
        [customFetch]: fetchImpl,
      }),
    );
    const attempt = keySet;
    // A failed discovery is retried, but at most every few seconds so an IdP outage is not hammered.
    attempt.catch(() => setTimeout(() => keySet === attempt && (keySet = undefined), DISCOVERY_RETRY_MS).unref());
    return attempt;
  };

  async function resolveJwksUri(): Promise<string> {
    if (options.jwksUri) return options.jwksUri;
    const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    const response = await fetchImpl(url, {
      method: 'GET',
      headers: new Headers({ accept: 'application/json' }),
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (response.status !== 200) throw new Error(`OIDC discovery ${url} answered ${response.status}`);
    const doc = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
    if (doc.issuer !== issuer)
      throw new Error(`OIDC discovery issuer "${String(doc.issuer)}" differs from configured issuer "${issuer}"`);
    if (typeof doc.jwks_uri !== 'string') throw new Error(`OIDC discovery ${url} has no jwks_uri`);
    return doc.jwks_uri;
  }

  function roleOf(payload: JWTPayload): Role | undefined {
    let value: unknown = payload;
    for (const part of rolesPath)
      value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
    const names =
      typeof value === 'string'
        ? value.split(' ')
        : Array.isArray(value)
          ? value.filter((v): v is string => typeof v === 'string')
          : [];
    let best: Role | undefined;
    for (const name of names) {
      const role = options.roleMapping ? options.roleMapping[name] : name in ROLE_RANK ? (name as Role) : undefined;
      if (role && (!best || ROLE_RANK[role] > ROLE_RANK[best])) best = role;
    }
    return best ?? options.defaultRole;
  }

  return {
    async verify(token: string): Promise<Principal> {
      let payload: JWTPayload;
      try {
        const jwks = await getKeySet();
        const key: JWTVerifyGetKey = (header, input) =>
          header.alg?.startsWith('HS') && options.hmacSecret ? options.hmacSecret : jwks(header, input);
        ({ payload } = await jwtVerify(token, key, {
          issuer,
          audience: options.audience,
          algorithms,
          clockTolerance: options.clockSkewSec ?? 60,
          currentDate: new Date(clock()),
          requiredClaims: ['exp', 'sub'],
        }));
      } catch (error) {
        throw mapError(error, issuer, algorithms);
      }
      const role = roleOf(payload);
      if (!role) {
        throw new ParleyError(
          'forbidden',
          `Your token carries no Parley role in claim "${rolesPath.join('.')}"; ask your identity ` +
            `provider admin to grant user, auditor or admin`,
        );
      }
      const id = `oidc:${payload.sub as string}`;
      return { id, role, via: 'oidc', scope: id };
    },
  };
}

function mapError(error: unknown, issuer: string, algorithms: string[]): ParleyError {
  if (error instanceof errors.JWTExpired) {
    return new AuthenticationFailure('oidc-expired', `OIDC token expired; get a fresh token from ${issuer}`, {
      cause: error,
    });
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    const fix: Record<string, string> = {
      iss: `token issuer is not ${issuer}; get a token from the configured issuer`,
      aud: 'token audience does not include Parley; request a token for the Parley audience/resource',
      nbf: 'token is not valid yet (nbf); check the clocks',
      iat: 'token issued-at (iat) is invalid; check the clocks',
      sub: 'token has no subject (sub)',
      exp: 'token has no expiry (exp)',
    };
    return new AuthenticationFailure(
      'oidc-invalid',
      `OIDC token rejected: ${fix[error.claim] ?? `claim ${error.claim} is invalid`}`,
      { cause: error },
    );
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return new AuthenticationFailure(
      'oidc-invalid',
      `OIDC token rejected: its signing algorithm is not allowed (allowed: ${algorithms.join(', ')})`,
      { cause: error },
    );
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return new AuthenticationFailure(
      'oidc-invalid',
      `OIDC token rejected: it is signed with a key (kid) that ${issuer} does not publish`,
      { cause: error },
    );
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new AuthenticationFailure('oidc-invalid', 'OIDC token rejected: signature does not verify', {
      cause: error,
    });
  }
  if (
    error instanceof errors.JWTInvalid ||
    error instanceof errors.JWSInvalid ||
    error instanceof errors.JOSENotSupported
  ) {
    return new AuthenticationFailure('oidc-invalid', 'OIDC token rejected: it is not a valid signed JWT', {
      cause: error,
    });
  }
  return new ParleyError(
    'upstream_network',
    `Could not fetch the signing keys of OIDC issuer ${issuer}; try again shortly`,
    { status: 503, cause: error },
  );
}
