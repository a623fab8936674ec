// The audit module's public surface: the chained, signed trail, its verifier and its search.
export * from './audit-event.js';
export * from './audit-log.js';
export * from './client-address.js';
export * from './query.js';
export * from './signing-key.js';
export * from './verify.js';
export { GENESIS_HASH } from './chain.js';
