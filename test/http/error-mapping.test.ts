// Every failure becomes a catalogue error whose message matches what actually went wrong.

import { describe, expect, it } from 'vitest';
import { ParleyError } from '../../src/domain/index.js';
import { errorBody, errorHeaders, toParleyError } from '../../src/http/error-mapping.js';

describe('toParleyError', () => {
  it('says "not valid JSON" only for a body that failed to parse', () => {
    const parse = Object.assign(new SyntaxError('Unexpected token b in JSON at position 1'), { statusCode: 400 });
    expect(toParleyError(parse).message).toMatch(/^The body is not valid JSON: Unexpected token/);
    // Fastify's own parse failure (its code, as fastify@5 names it).
    const fastifyParse = {
      code: 'FST_ERR_CTP_INVALID_JSON_BODY',
      statusCode: 400,
      message: "Body is not valid JSON but content-type is set to 'application/json'",
    };
    expect(toParleyError(fastifyParse).message).toBe('The body is not valid JSON. Send a JSON object.');
    const other = Object.assign(new Error('querystring/limit must match pattern'), {
      statusCode: 400,
      code: 'FST_ERR_SOMETHING',
    });
    const mapped = toParleyError(other);
    expect(mapped.status).toBe(400);
    expect(mapped.message).toBe('querystring/limit must match pattern');
  });

  it('maps size and media-type refusals to 413 and 415', () => {
    expect(toParleyError({ code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 }).status).toBe(413);
    expect(toParleyError({ code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 }).status).toBe(415);
  });

  it('hides unexpected failures behind a 500 that reveals nothing', () => {
    const mapped = toParleyError(new TypeError('cannot read secret of undefined'));
    expect(mapped.status).toBe(500);
    expect(mapped.message).not.toContain('secret');
  });

  it('renders the OpenAI envelope with Retry-After in whole seconds and extra headers', () => {
    const error = new ParleyError('rate_limited', 'Slow down.', {
      retryAfterMs: 1_200,
      headers: { ratelimit: '"requests";r=0;t=2' },
    });
    expect(errorBody(error)).toEqual({
      error: { message: 'Slow down.', type: 'rate_limit_error', code: 'rate_limited', param: null },
    });
    expect(errorHeaders(error)).toEqual({ ratelimit: '"requests";r=0;t=2', 'retry-after': '2' });
  });
});
