// Authenticator: turns an Authorization header into a Principal (Parley API key or OIDC JWT) or a helpful 401.

import { timingSafeEqual } from 'node:crypto';
import type { Principal } from '../domain/index.js';
import { API_KEY_LENGTH, API_KEY_PREFIX, hashApiKey, isWellFormedApiKey, looksLikeApiKey } from './api-key-format.js';
import { AuthenticationFailure } from './auth-failure.js';
import { effectiveKeyState } from './key-store.js';
import type { KeyStore } from './key-store.js';
import type { OidcVerifier } from './oidc.js';

/** Dependencies of {@link createAuthenticator}. */
export interface AuthenticatorOptions {
  keyStore: KeyStore;
  /** When set, JWT-shaped bearer tokens are verified by it; otherwise they are refused with a hint. */
  oidc?: OidcVerifier;
  /** Epoch-ms clock for expiry checks (tests inject one). */
  clock?: () => number;
}

/** Authenticates one request. */
export interface Authenticator {
  /**
   * Resolves to the caller's principal, or throws AuthenticationFailure (401, `reason` tells why).
   * OIDC may also throw ParleyError 'forbidden' (valid token, no role) or 'upstream_network' (IdP down).
   */
  authenticate(authorizationHeader: string | undefined): Promise<Principal>;
}

const BEARER_RE = /^Bearer(?:[ \t]+(\S*))?[ \t]*$/i;
/** Three base64url segments, the first one a JSON object (`{"` → `eyJ`). */
const JWT_RE = /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/;
const ASK_ADMIN = 'ask a Parley admin for a new key';

/**
 * Creates the authenticator. Key checks, in order: header present → Bearer scheme → well-formed key
 * (prefix, length, CRC32: no store lookup for typos) → known hash → not revoked → not expired.
 *
 * Disclosure decision: "revoked", "expired" and "rotated" are told apart from "unknown". Getting one of
 * those messages requires presenting the full 190-bit secret of a once-valid key, so they reveal nothing
 * to someone guessing; they only tell the key's holder what happened and what to do. A guessed or
 * mistyped key always gets the generic "not recognised" (or "malformed") message.
 */
export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const { keyStore, oidc } = options;
  const clock = options.clock ?? Date.now;

  async function authenticateKey(token: string): Promise<Principal> {
    if (!isWellFormedApiKey(token)) {
      throw looksLikeApiKey(token)
        ? new AuthenticationFailure(
            'malformed',
            `API key is malformed (wrong length or checksum): copy the whole key, ${API_KEY_LENGTH} ` +
              `characters starting with ${API_KEY_PREFIX}`,
          )
        : new AuthenticationFailure(
            'malformed',
            `Credential is not a Parley API key (${API_KEY_PREFIX}...) nor a JWT; send Authorization: Bearer <key>`,
          );
    }
    const hash = hashApiKey(token);
    const record = await keyStore.findByHash(hash);
    // The map lookup is keyed by a SHA-256 of the secret, so its timing says nothing useful about the
    // secret; the constant-time comparison below guards against any store whose lookup is not exact.
    if (!record || !timingSafeEqual(Buffer.from(record.hash, 'hex'), Buffer.from(hash, 'hex'))) {
      throw new AuthenticationFailure(
        'unknown',
        `API key is not recognised; check you are using the key for this Parley instance or ${ASK_ADMIN}`,
      );
    }
    const now = clock();
    switch (effectiveKeyState(record, now)) {
      case 'revoked':
        throw new AuthenticationFailure('revoked', `API key ${record.id} has been revoked; ${ASK_ADMIN}`);
      case 'expired':
        if (record.expiresAt !== undefined && now >= record.expiresAt) {
          throw new AuthenticationFailure(
            'expired',
            `API key ${record.id} expired at ${new Date(record.expiresAt).toISOString()}; ${ASK_ADMIN}`,
          );
        }
        throw new AuthenticationFailure(
          'rotated',
          `API key ${record.id} was rotated and its grace period ended at ${new Date(record.graceUntil ?? now).toISOString()}; use its replacement ${record.replacedBy ?? ''}`.trimEnd(),
        );
      default:
        return { id: record.id, role: record.role, via: 'api-key', scope: record.owner };
    }
  }

  return {
    async authenticate(header: string | undefined): Promise<Principal> {
      if (header === undefined || header.trim() === '') {
        throw new AuthenticationFailure('missing', 'Missing credential. Send Authorization: Bearer <key>');
      }
      const match = BEARER_RE.exec(header.trim());
      if (!match) {
        throw new AuthenticationFailure(
          'scheme',
          'Authorization header must use the Bearer scheme: Authorization: Bearer <key>',
        );
      }
      const token = match[1] ?? '';
      if (token === '')
        throw new AuthenticationFailure('missing', 'Bearer credential is empty. Send Authorization: Bearer <key>');
      if (JWT_RE.test(token)) {
        if (!oidc)
          throw new AuthenticationFailure(
            'oidc-disabled',
            `This server does not accept OIDC tokens; send a Parley API key (${API_KEY_PREFIX}...)`,
          );
        return oidc.verify(token);
      }
      return authenticateKey(token);
    },
  };
}
