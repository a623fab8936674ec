// The one-time login link (`/#login=<token>`): read once, wiped from the address bar, exchanged for a key.

import { errorFromResponse } from '../api/api-error.js';
import { request } from '../api/client.js';

/**
 * Returns the login token from the URL fragment and removes the fragment at once (history.replaceState),
 * so the token is not left in the address bar, the history or a screenshot.
 */
export function takeLoginToken(): string | undefined {
  const match = /^#login=([A-Za-z0-9._~-]{1,512})$/.exec(location.hash);
  if (!location.hash.startsWith('#login=')) return undefined;
  history.replaceState(null, '', location.pathname + location.search);
  return match?.[1];
}

/** Exchanges a one-time token for an API key: POST /v1/auth/exchange. */
export async function exchangeLoginToken(token: string): Promise<string> {
  const response = await request('/v1/auth/exchange', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  if (!response.ok) throw await errorFromResponse(response);
  const body = (await response.json()) as { apiKey?: unknown };
  if (typeof body.apiKey !== 'string' || body.apiKey === '') throw new Error('The login link answer carried no key.');
  return body.apiKey;
}
