// OIDC sign-in: authorization code flow with PKCE (S256), state and nonce; the token is kept like a key.

import type { UiConfig } from '../api/types.js';
import { createPkcePair, randomToken } from './pkce.js';

const PENDING = 'parley.oidc.pending';

interface Pending {
  state: string;
  verifier: string;
  tokenEndpoint: string;
  redirectUri: string;
  clientId: string;
}

type OidcSettings = NonNullable<UiConfig['oidc']>;

/** The page's own address without query or fragment: the redirect URI registered at the provider. */
export function redirectUri(): string {
  return `${location.origin}${location.pathname}`;
}

/** Builds the authorization URL for the code flow with PKCE (pure, for tests). */
export function authorizationUrl(
  endpoint: string,
  p: { clientId: string; redirectUri: string; scope: string; state: string; nonce: string; challenge: string },
): string {
  const url = new URL(endpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: p.clientId,
    redirect_uri: p.redirectUri,
    scope: p.scope,
    state: p.state,
    nonce: p.nonce,
    code_challenge: p.challenge,
    code_challenge_method: 'S256',
  }).toString();
  return url.toString();
}

/** Discovers the provider, remembers the PKCE verifier for this tab, and navigates to the provider. */
export async function startOidcLogin(oidc: OidcSettings): Promise<void> {
  const discovery = await fetch(`${oidc.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`, {
    credentials: 'omit',
    referrerPolicy: 'no-referrer',
  });
  if (!discovery.ok) throw new Error(`The sign-in provider could not be reached (HTTP ${discovery.status}).`);
  const meta = (await discovery.json()) as { authorization_endpoint?: string; token_endpoint?: string };
  if (!meta.authorization_endpoint || !meta.token_endpoint)
    throw new Error('The sign-in provider does not publish its endpoints.');
  const { verifier, challenge } = await createPkcePair();
  const pending: Pending = {
    state: randomToken(16),
    verifier,
    tokenEndpoint: meta.token_endpoint,
    redirectUri: redirectUri(),
    clientId: oidc.clientId,
  };
  sessionStorage.setItem(PENDING, JSON.stringify(pending));
  location.assign(
    authorizationUrl(meta.authorization_endpoint, {
      clientId: oidc.clientId,
      redirectUri: pending.redirectUri,
      scope: oidc.scope ?? 'openid',
      state: pending.state,
      nonce: randomToken(16),
      challenge,
    }),
  );
}

/**
 * Finishes a sign-in when the provider redirected back with `?code=&state=`: removes them from the
 * address bar, checks the state and redeems the code with the verifier. Undefined when not a callback.
 */
export async function completeOidcLogin(): Promise<string | undefined> {
  const params = new URLSearchParams(location.search);
  const code = params.get('code');
  const state = params.get('state');
  const error = params.get('error');
  if (!code && !error) return undefined;
  history.replaceState(null, '', location.pathname);
  const saved = sessionStorage.getItem(PENDING);
  sessionStorage.removeItem(PENDING);
  if (error) throw new Error(`Single sign-on was refused: ${params.get('error_description') ?? error}.`);
  if (!saved) throw new Error('This sign-in did not start in this tab. Start it again.');
  const pending = JSON.parse(saved) as Pending;
  if (state !== pending.state)
    throw new Error('The sign-in answer did not match this tab (state mismatch). Start it again.');
  const response = await fetch(pending.tokenEndpoint, {
    method: 'POST',
    credentials: 'omit',
    referrerPolicy: 'no-referrer',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: code!,
      redirect_uri: pending.redirectUri,
      client_id: pending.clientId,
      code_verifier: pending.verifier,
    }),
  });
  if (!response.ok) throw new Error(`The sign-in provider refused the code (HTTP ${response.status}).`);
  const tokens = (await response.json()) as { access_token?: string; id_token?: string };
  const jwt = (t: string | undefined): t is string => typeof t === 'string' && t.split('.').length === 3;
  const token = jwt(tokens.access_token) ? tokens.access_token : (tokens.id_token ?? tokens.access_token);
  if (!token) throw new Error('The sign-in provider returned no token.');
  return token;
}
