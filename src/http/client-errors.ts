// Node's `clientError` (malformed HTTP, slow headers or body, oversized headers) answered in Parley's envelope.

import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';
import { ParleyError } from '../domain/index.js';
import { errorBody } from './error-mapping.js';
import type { HeaderList } from './security-headers.js';

/** What each llhttp parse error means, in words a client can act on. */
const PARSE_ERRORS: Record<string, string> = {
  HPE_INVALID_METHOD: 'the method is not an HTTP method Parley knows',
  HPE_UNEXPECTED_CONTENT_LENGTH: 'it has both Content-Length and Transfer-Encoding; send only one',
  HPE_INVALID_TRANSFER_ENCODING:
    'its Transfer-Encoding is invalid or comes with a Content-Length (send only one of them; chunked must be last)',
  HPE_INVALID_CONTENT_LENGTH: 'its Content-Length is invalid or given twice with different values',
  HPE_INVALID_HEADER_TOKEN: 'a header name or value contains bytes HTTP does not allow',
  HPE_INVALID_URL: 'the request target is not a valid URL path',
  HPE_INVALID_VERSION: 'the HTTP version is invalid',
  HPE_INVALID_CHUNK_SIZE: 'a chunk size of the chunked body is invalid',
  HPE_LF_EXPECTED: 'a line does not end in CRLF',
  HPE_CR_EXPECTED: 'a line does not end in CRLF',
};

/** The catalogue error for a `clientError` (`code` from Node or llhttp). */
export function clientErrorOf(
  code: string | undefined,
  timeouts: { headersTimeoutMs: number; requestTimeoutMs: number },
): ParleyError {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return new ParleyError(
      'request_timeout',
      `The request did not arrive in time (headers within ${timeouts.headersTimeoutMs} ms, the ` +
        `whole body within ${timeouts.requestTimeoutMs} ms); the connection is closed. Send the ` +
        `whole request at once.`,
    );
  }
  if (code === 'HPE_HEADER_OVERFLOW')
    return new ParleyError(
      'headers_too_large',
      'The request headers are too large (16 KiB in all). Send fewer or shorter headers.',
    );
  const why =
    (code !== undefined ? PARSE_ERRORS[code] : undefined) ?? `it is not valid HTTP/1.1 (${code ?? 'parse error'})`;
  return new ParleyError('invalid_request', `Malformed HTTP request: ${why}. The connection is closed.`);
}

/**
 * A `clientError` listener: writes the error envelope with `extraHeaders` (security headers) and closes the
 * socket. Nothing is written when the socket is gone or a response has already begun on it.
 */
export function createClientErrorHandler(
  timeouts: { headersTimeoutMs: number; requestTimeoutMs: number },
  extraHeaders: HeaderList,
  onError?: (error: ParleyError) => void,
): (error: Error & { code?: string }, socket: Duplex) => void {
  return (error, socket) => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    // Node keeps the in-flight response on the socket; once its headers left, another status would corrupt the stream.
    const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    const failure = clientErrorOf(error.code, timeouts);
    onError?.(failure);
    if (socket.writable && inFlight?.headersSent !== true) {
      const body = JSON.stringify(errorBody(failure));
      const head = [
        `HTTP/1.1 ${failure.status} ${STATUS_CODES[failure.status] ?? 'Error'}`,
        'content-type: application/json; charset=utf-8',
        `content-length: ${Buffer.byteLength(body)}`,
        'connection: close',
      ];
      for (const [name, value] of extraHeaders) head.push(`${name}: ${value}`);
      socket.end(`${head.join('\r\n')}\r\n\r\n${body}`, () => socket.destroy());
      setTimeout(() => socket.destroy(), 1000).unref(); // a peer that never reads does not keep the socket
      return;
    }
    socket.destroy();
  };
}
