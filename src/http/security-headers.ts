// Security headers of every response (nosniff, no referrer, no framing, no caching of API JSON; HSTS under TLS).

import type { ServerResponse } from 'node:http';

/** Options of {@link createSecurityHeaders}. */
export interface SecurityHeaderOptions {
  /** Served over HTTPS: adds Strict-Transport-Security (never sent over plain HTTP, where browsers ignore it). */
  tls: boolean;
}

/** HSTS for two years, subdomains included (no `preload`: that is an operator's decision with lasting effect). */
export const HSTS_VALUE = 'max-age=63072000; includeSubDomains';

/**
 * The headers as built once at start-up. API JSON must never be cached or framed, and a browser must not
 * guess its type; a CSP of `default-src 'none'` makes a JSON body rendered as a page inert. UI routes
 * (src/http/routes/ui.ts) set their own Content-Security-Policy and Cache-Control, which take precedence.
 */
export function securityHeaderValues(options: SecurityHeaderOptions): ReadonlyArray<readonly [string, string]> {
  const headers: [string, string][] = [
    ['x-content-type-options', 'nosniff'],
    ['referrer-policy', 'no-referrer'],
    ['x-frame-options', 'DENY'],
    ['cache-control', 'no-store'],
    ['content-security-policy', "default-src 'none'; frame-ancestors 'none'"],
  ];
  if (options.tls) headers.push(['strict-transport-security', HSTS_VALUE]);
  return Object.freeze(headers.map((h) => Object.freeze(h)));
}

/**
 * Returns a function that puts the precomputed headers on a raw response. Setting them on the raw response
 * (not Fastify's reply) covers every way a response leaves: replies, errors, 404s and hijacked event streams;
 * headers a route sets later (writeHead) override them.
 */
export function createSecurityHeaders(options: SecurityHeaderOptions): (res: ServerResponse) => void {
  const headers = securityHeaderValues(options);
  return (res) => {
    for (const [name, value] of headers) res.setHeader(name, value);
  };
}
