// The security module's public surface: API keys, key stores, authentication, OIDC and roles.
export * from './api-key-format.js';
export * from './auth-failure.js';
export * from './authenticator.js';
export * from './duration.js';
export * from './file-key-store.js';
export * from './key-store.js';
export * from './key-manager.js';
export * from './oidc.js';
export * from './roles.js';
