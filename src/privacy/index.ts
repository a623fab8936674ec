// Privacy module surface: detectors, the privacy filter and the streaming re-identifier.
export * from './types.js';
export { detect, resolveOverlaps, DETECTORS } from './detectors/index.js';
export { createPrivacyFilter, blockedContentError, type PrivacyFilter, type ProtectResult } from './privacy-filter.js';
export { createReidentifier, reidentify, type Reidentifier } from './reidentifier.js';
export { normaliseValue, redactionFor, PLACEHOLDER } from './pseudonyms.js';
export { compileRecognizer, compileAllowlist } from './custom.js';
export { createEmbeddingGuard, type EmbeddingGuard } from './embedding-guard.js';
export { labelPrefix } from './labels.js';
