// The access hook: authenticate, audit the decision, check the route's permission, count the rate limit.

import type { FastifyRequest } from 'fastify';
import type { Principal } from '../domain/index.js';
import type { AuditEventInput } from '../audit/audit-event.js';
import { truncateClientAddress } from '../audit/client-address.js';
import { isAuthenticationFailure } from '../security/auth-failure.js';
import type { PendingAdmission, RateLimits } from '../security/rate-limits.js';
import { requirePermission, type Permission } from '../security/roles.js';
import { isParleyError } from '../domain/index.js';

export interface AccessDeps {
  /** Resolves the Authorization header to a principal or throws a 401. */
  authenticate(header: string | undefined): Promise<Principal>;
  /** Per-principal request limit; returns RateLimit headers or throws a 429. */
  admitRequest?(scope: string): Promise<Record<string, string>>;
  /**
   * On routes with `chatAdmission`, instead of `admitRequest`: counts the request and admits its chat answer in one
   * store step, started here and claimed by the chat service (so the round trip overlaps parsing and checks).
   */
  startChatAdmission?(scope: string, onHeaders: (headers: Record<string, string>) => void): PendingAdmission;
  /** Appends to the audit trail (metadata only). */
  audit?(event: AuditEventInput): void;
  /** Called for every refused credential (metrics). */
  onAuthFailure?(reason: string): void;
  /**
   * Refused credentials per client (rateLimits.failedAuthPerMinute): a client over it gets 429 before its credential
   * is checked.
   */
  clientLimit?: Pick<RateLimits, 'limitingClients' | 'checkClient' | 'noteRefusedCredential'>;
}

/** The client a refused credential is counted against: the address, IPv6 cut to its /64 (one host's usual share). */
const PER_HOST = { ipv4: 32, ipv6: 64 };
const clientOf = (address: string | undefined): string =>
  address === undefined ? 'unknown' : (truncateClientAddress(address, PER_HOST) ?? address);

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Permission the principal's role must grant; none means any authenticated principal. */
    permission?: Permission;
    /**
     * The handler passes `request.parley.admission` to the chat service (the request is counted with the chat
     * admission).
     */
    chatAdmission?: boolean;
  }
}

/**
 * The credential as an Authorization header value. Routes of the Messages API also take Anthropic's
 * `x-api-key` (a Parley key, like the Bearer one); Authorization wins when both are sent.
 */
function credentialHeader(request: FastifyRequest): string | undefined {
  const authorization = request.headers.authorization;
  if (authorization !== undefined || request.parley.routeConfig.wire !== 'anthropic') return authorization;
  const key = request.headers['x-api-key'];
  return typeof key === 'string' ? `Bearer ${key}` : undefined;
}

/** Builds the onRequest check for every non-public route. */
export function createAccessCheck(deps: AccessDeps): (request: FastifyRequest) => Promise<void> {
  return async (request) => {
    const clientAddress = request.ip;
    const clientLimit = deps.clientLimit;
    // A Map lookup per request, and only while some client is over the limit.
    if (clientLimit?.limitingClients) {
      try {
        clientLimit.checkClient(clientOf(clientAddress));
      } catch (error) {
        deps.audit?.({
          requestId: request.id,
          action: 'auth.failure',
          outcome: 'denied',
          clientAddress,
          resource: `route:${request.parley.routeUrl}`,
          details: { reason: 'client_limited' },
        });
        throw error;
      }
    }
    let principal: Principal;
    try {
      principal = await deps.authenticate(credentialHeader(request));
    } catch (error) {
      const reason = isAuthenticationFailure(error) ? error.reason : isParleyError(error) ? error.code : 'error';
      deps.onAuthFailure?.(reason);
      deps.audit?.({
        requestId: request.id,
        action: 'auth.failure',
        outcome: 'failure',
        clientAddress,
        resource: `route:${request.parley.routeUrl}`,
        details: { reason },
      });
      // Only refused credentials count: an identity provider that is down says nothing about the client.
      if (isAuthenticationFailure(error)) clientLimit?.noteRefusedCredential(clientOf(clientAddress));
      throw error;
    }
    request.parley.principal = principal;
    const permission = request.parley.routeConfig.permission;
    const base = {
      requestId: request.id,
      principalId: principal.id,
      role: principal.role,
      clientAddress,
      resource: `route:${request.method} ${request.parley.routeUrl}`,
    };
    if (permission) {
      try {
        requirePermission(principal, permission);
      } catch (error) {
        deps.audit?.({ ...base, action: 'access.denied', outcome: 'denied', details: { permission } });
        throw error;
      }
    }
    deps.audit?.({ ...base, action: 'auth.success', outcome: 'success', details: { via: principal.via } });
    if (request.parley.routeConfig.chatAdmission === true && deps.startChatAdmission) {
      request.parley.admission = deps.startChatAdmission(principal.scope, (headers) => {
        request.parley.rateLimitHeaders = headers;
      });
    } else if (deps.admitRequest) request.parley.rateLimitHeaders = await deps.admitRequest(principal.scope);
  };
}
