// Security headers of every response (nosniff, no referrer, no framing, no caching of API JSON; HSTS under TLS).

import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';

/** Options of {@link securityHeaderValues}. */
export interface SecurityHeaderOptions {
  /** Served over HTTPS: adds Strict-Transport-Security (never sent over plain HTTP, where browsers ignore it). */
  tls: boolean;
}

/** HSTS for two years, subdomains included (no `preload`: that is an operator's decision with lasting effect). */
export const HSTS_VALUE = 'max-age=63072000; includeSubDomains';

/** Header name/value pairs, built once at start-up. */
export type HeaderList = ReadonlyArray<readonly [string, string]>;

/**
 * The headers as built once at start-up. API JSON must never be cached or framed, and a browser must not
 * guess its type; a CSP of `default-src 'none'` makes a JSON body rendered as a page inert. UI routes
 * (src/http/routes/ui.ts) set their own Content-Security-Policy and Cache-Control, which take precedence.
 */
export function securityHeaderValues(options: SecurityHeaderOptions): HeaderList {
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
 * Adds to a Fastify reply the headers it has not set itself (a route's own, e.g. a UI route's CSP, win).
 * Used in `onSend`, which every reply passes, errors and 404s included. They then leave with Fastify's
 * one `writeHead(status, headers)`: a header set on the raw response beforehand would send every reply
 * through Node's slower merge of the two header sets (measured: bench/README.md, "Figures behind choices in the code").
 */
export function addMissingHeaders(reply: FastifyReply, headers: HeaderList): void {
  for (const [name, value] of headers) if (!reply.hasHeader(name)) void reply.header(name, value);
}

/**
 * Puts the headers on a raw response, for what leaves without `onSend`: hijacked event streams and
 * router refusals. Headers set later (`setHeader`, `writeHead`) override them.
 */
export function setRawHeaders(res: ServerResponse, headers: HeaderList): void {
  for (const [name, value] of headers) res.setHeader(name, value);
}
