// The configuration module's public surface: load and validate the file, resolve secret references.

export { ConfigError } from './config-error.js';
export { DEMO_SOURCE, loadConfig, parseConfig, type LoadConfigOptions } from './load.js';
export { ConfigSchema, type RawConfig } from './schema.js';
export {
  createSecretResolver,
  SecretError,
  VaultError,
  type SecretResolver,
  type SecretResolverOptions,
} from './secrets.js';
export { parseSecretRef, looksLikeLiteralSecret, type ParsedSecretRef } from './secret-ref.js';
export { parseDuration, parseSize } from './units.js';
export type * from './types.js';
