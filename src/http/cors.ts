// CORS denied unless allowlisted: exact origins only, no credentials mode, preflights answered before authentication.

import type { FastifyReply, FastifyRequest } from 'fastify';
import { ParleyError } from '../domain/index.js';
import { errorBody } from './error-mapping.js';

/** Methods the API uses. */
export const CORS_ALLOW_METHODS = 'GET, POST, DELETE, OPTIONS';
/** Request headers a browser app may send. */
export const CORS_ALLOW_HEADERS = 'authorization, content-type, x-request-id, x-parley-cache';
/** Response headers a browser app may read. */
export const CORS_EXPOSE_HEADERS =
  'x-request-id, x-parley-overhead-ms, x-parley-cache, x-parley-coalesced, ' +
  'x-parley-provider, ratelimit, ratelimit-policy, retry-after';

/** The CORS step of the request hook. */
export interface CorsPolicy {
  /**
   * Applies CORS to one request. Returns true when it answered the request itself (a preflight: 204 for an
   * allowed origin, 403 for any other), so no authentication or route runs.
   */
  handle(request: FastifyRequest, reply: FastifyReply): boolean;
}

const DENIED_PREFLIGHT = errorBody(
  new ParleyError(
    'forbidden',
    'Cross-origin requests from this origin are not allowed. An administrator can add it to server.cors.origins.',
  ),
);

/** Builds the policy for `origins` (exact `scheme://host[:port]` strings); an empty list denies every origin. */
export function createCors(origins: readonly string[]): CorsPolicy {
  const allowed = new Set(origins.map((o) => o.toLowerCase()));
  const preflightVary = 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers';
  return {
    handle(request, reply) {
      const origin = request.headers.origin;
      if (origin === undefined) return false; // same-origin or not a browser: the common, free path
      const ok = allowed.size > 0 && allowed.has(origin.toLowerCase());
      if (request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined) {
        if (!ok) {
          void reply.code(403).header('vary', preflightVary).send(DENIED_PREFLIGHT);
          return true;
        }
        void reply
          .code(204)
          .headers({
            'access-control-allow-origin': origin,
            'access-control-allow-methods': CORS_ALLOW_METHODS,
            'access-control-allow-headers': CORS_ALLOW_HEADERS,
            'access-control-max-age': '600',
            vary: preflightVary,
          })
          .send();
        return true;
      }
      if (allowed.size === 0) return false;
      const res = reply.raw;
      res.setHeader('vary', 'Origin');
      if (ok) {
        res.setHeader('access-control-allow-origin', origin);
        res.setHeader('access-control-expose-headers', CORS_EXPOSE_HEADERS);
      }
      return false;
    },
  };
}
