// Response headers that describe how an answer was served (cache result, route taken).

import type { FastifyRequest } from 'fastify';
import type { ChatRun } from '../../chat/chat-service.js';
import type { EmbeddingAnswer } from '../../chat/embedding-service.js';
import { setGenAiRequest, setGenAiResponse } from '../../observability/spans.js';

/** How an answer was served: a chat run or an embeddings answer. */
type Served = Pick<ChatRun, 'cache' | 'stats'> | EmbeddingAnswer;

/** `x-parley-cache` (hit|miss|bypass), `x-parley-coalesced`, the provider that answered and any targets left out. */
export function runHeaders(run: Served): Record<string, string> {
  const headers: Record<string, string> = { 'x-parley-cache': run.cache === 'coalesced' ? 'miss' : run.cache };
  if (run.cache === 'coalesced') headers['x-parley-coalesced'] = 'true';
  if (run.stats.provider) headers['x-parley-provider'] = run.stats.provider;
  if (run.stats.skipped) headers['x-parley-skipped-targets'] = run.stats.skipped.join(', ');
  return headers;
}

/** Copies the run's metadata (never content) onto the request's log line and the request's trace span. */
export function noteRun(request: FastifyRequest, run: Served, operation?: 'embeddings'): void {
  const s = run.stats;
  Object.assign(request.parley.log, {
    provider: s.provider,
    upstreamModel: s.upstreamModel,
    keyId: s.keyId,
    ttftMs: s.ttftMs === undefined ? undefined : Math.round(s.ttftMs * 1000) / 1000,
    tokensIn: s.usage?.inputTokens,
    tokensOut: s.usage?.outputTokens,
    cache: run.cache,
    attempts: s.attempts,
    retries: s.retries,
    fallbacks: s.fallbacks,
    skippedTargets: s.skipped,
  });
  request.parley.upstreamMs = s.upstreamMs;
  const span = request.parley.trace?.span;
  if (span?.isRecording()) {
    setGenAiRequest(span, {
      provider: s.provider ?? 'none',
      requestModel: String(request.parley.log.model ?? ''),
      ...(operation ? { operation } : {}),
    });
    setGenAiResponse(span, {
      responseModel: s.upstreamModel,
      inputTokens: s.usage?.inputTokens,
      outputTokens: s.usage?.outputTokens,
      finishReason: s.finishReason,
    });
  }
}
