// The domain's public surface: plain types and the error catalogue; imports nothing outside domain/.
export * from './abort.js';
export * from './chat.js';
export * from './embeddings.js';
export * from './errors.js';
export * from './model.js';
export * from './principal.js';
export * from './raw-json.js';
export * from './resilience.js';
export * from './session.js';
