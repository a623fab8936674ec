// The observability module's public surface: metrics, logging and tracing building blocks.
export * from './metrics.js';
export * from './route-observer.js';
export * from './logger.js';
export * from './tracing.js'; // includes tracing-api.js
export * from './spans.js';
export { LabelCache, OVERFLOW_LABEL } from './label-cache.js';
export * from './step-trace.js';
