// Minimal typings for the parts of oidc-provider (v9, ships no .d.ts) that the OIDC tests use.

declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  interface ProviderToken {
    clientId?: string;
  }

  interface ResourceServerInfo {
    scope: string;
    audience?: string;
    accessTokenTTL?: number;
    accessTokenFormat?: 'jwt' | 'opaque';
    jwt?: { sign?: { alg?: string } };
  }

  interface ProviderConfiguration {
    clients?: Record<string, unknown>[];
    jwks?: { keys: object[] };
    clientDefaults?: Record<string, unknown>;
    ttl?: Record<string, number>;
    features?: {
      devInteractions?: { enabled: boolean };
      clientCredentials?: { enabled: boolean };
      resourceIndicators?: {
        enabled: boolean;
        defaultResource?: (ctx: unknown, client: unknown, oneOf?: string[]) => string | string[] | undefined;
        useGrantedResource?: (ctx: unknown, model: unknown) => boolean;
        getResourceServerInfo?: (ctx: unknown, resourceIndicator: string, client: unknown) => ResourceServerInfo;
      };
    };
    extraTokenClaims?: (ctx: unknown, token: ProviderToken) => Record<string, unknown> | undefined;
  }

  export default class Provider {
    constructor(issuer: string, configuration?: ProviderConfiguration);
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
  }
}
