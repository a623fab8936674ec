// The JSON body parser: refuses invalid UTF-8 and prototype keys by name, and lets body-less routes take an empty body.

import { isUtf8 } from 'node:buffer';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ParleyError } from '../domain/index.js';

/**
 * Bodies that might carry a `__proto__` or `constructor` key, spelt plainly or with \u escapes, take the checking
 * parse.
 */
const MAYBE_POISONED = /__proto__|constructor|\\u/;

function refuseKey(key: string): never {
  const why =
    key === '__proto__'
      ? 'it could change the prototype of the objects it is copied into'
      : 'a "constructor" object with a "prototype" could change the prototype of the objects it is copied into';
  throw new ParleyError(
    'invalid_request',
    `The JSON body has a "${key}" key, which Parley refuses: ${why}. Remove or rename that key.`,
    { param: key },
  );
}

/** Parses JSON text; a `__proto__` key, or a `constructor` key whose value has a `prototype`, is refused by name. */
export function parseJsonBody(text: string): unknown {
  if (!MAYBE_POISONED.test(text)) return JSON.parse(text);
  return JSON.parse(text, (key, value: unknown) => {
    if (key === '__proto__') refuseKey(key);
    if (
      key === 'constructor' &&
      typeof value === 'object' &&
      value !== null &&
      Object.prototype.hasOwnProperty.call(value, 'prototype')
    )
      refuseKey(key);
    return value;
  });
}

/**
 * Whether the route takes no body (no body schema): then an empty body with a JSON content type is fine (DELETE from
 * clients that always send it).
 */
function bodyless(request: FastifyRequest): boolean {
  const schema = request.routeOptions.schema as { body?: unknown } | undefined;
  return schema?.body === undefined;
}

/** Replaces Fastify's JSON parser on `app` (same body limit, same errors for empty and malformed bodies). */
export function registerJsonBodyParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = body as Buffer;
    if (bytes.length === 0) {
      if (bodyless(request)) return done(null, undefined);
      return done(new ParleyError('invalid_request', 'The JSON body is empty. Send a JSON object.'), undefined);
    }
    if (!isUtf8(bytes)) {
      return done(
        new ParleyError('invalid_request', 'The body is not valid UTF-8. Send JSON encoded as UTF-8.'),
        undefined,
      );
    }
    try {
      done(null, parseJsonBody(bytes.toString('utf8')));
    } catch (error) {
      if (error instanceof ParleyError) return done(error, undefined);
      const detail = error instanceof SyntaxError ? `: ${error.message}` : '';
      done(new ParleyError('invalid_request', `The body is not valid JSON${detail}. Send a JSON object.`), undefined);
    }
  });
}
