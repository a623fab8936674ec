// Public entry of the mock upstream: the server, its scenario model and the deterministic reply helpers.

export { startMockUpstream } from './server.js';
export type { MockStats, MockUpstream, MockUpstreamOptions, RecordedRequest } from './types.js';
export { DEFAULT_SCENARIO, MALFORMED_KINDS, mergeScenario, parseScenario } from './scenario.js';
export type { MalformedKind, Scenario } from './scenario.js';
export { estimatePromptTokens, mockReplyText, mockReplyTokens, splitReplyText } from './reply.js';
export { mockEmbedding, mockInputTokens, toBase64Float32 } from './embedding-vectors.js';
