// Turns chat and session facts into metrics and audit events (metadata only: ids, counts, codes).

import type { AuditLog } from '../audit/audit-log.js';
import type { AnswerContext, ChatRecord, ChatRecordSink } from '../chat/hooks.js';
import type { EmbeddingRecord, EmbeddingRecordSink } from '../chat/embedding-service.js';
import type { SessionEventsSink } from '../chat/session-service.js';
import type { ParleyConfig } from '../config/types.js';
import type { Metrics } from '../observability/metrics.js';
import type { GuardEvent } from '../safety/output-policy.js';

/** Records every finished chat call. */
export function chatRecordSink(metrics: Metrics, audit: AuditLog, config: ParleyConfig): ChatRecordSink {
  return {
    chatFinished(r: ChatRecord) {
      const provider = r.provider ?? 'none';
      metrics.observeChatRequest(r.api, r.model, provider, r.outcome, r.stream, r.durationMs / 1000);
      if (r.outcome === 'success' && r.ttftMs !== undefined)
        metrics.observeTimeToFirstToken(r.model, provider, r.ttftMs / 1000);
      if (r.usage && r.cache !== 'hit' && r.cache !== 'coalesced')
        metrics.addTokens(r.model, provider, r.usage.inputTokens, r.usage.outputTokens);
      metrics.countCache(r.cache);
      recordProtected(metrics, audit, r, (category) => config.privacy[category] ?? 'pseudonymise');
    },
    imagesSeen(f) {
      metrics.countImages(f.model, f.action, f.count);
      audit.append({
        requestId: f.requestId,
        principalId: f.principalId,
        action: 'privacy.images',
        outcome: f.action === 'blocked' ? 'denied' : 'success',
        resource: `model:${f.model}`,
        details: { count: f.count, action: f.action },
      });
    },
  };
}

/**
 * Records every finished embeddings call: the chat request metrics with api "embeddings", input tokens,
 * the cache result, and the same privacy.protected audit event (its action: redact, as embeddings apply it).
 */
export function embeddingRecordSink(metrics: Metrics, audit: AuditLog, config: ParleyConfig): EmbeddingRecordSink {
  return {
    embeddingsFinished(r: EmbeddingRecord) {
      const provider = r.provider ?? 'none';
      metrics.observeChatRequest('embeddings', r.model, provider, r.outcome, false, r.durationMs / 1000);
      if (r.inputTokens !== undefined && r.cache !== 'hit') metrics.addTokens(r.model, provider, r.inputTokens, 0);
      metrics.countCache(r.cache);
      recordProtected(metrics, audit, r, (category) => {
        const action = config.privacy[category] ?? 'pseudonymise';
        return action === 'pseudonymise' ? 'redact' : action;
      });
    },
  };
}

/** Counts what the privacy filter protected, by category and the action taken, and audits it (counts only). */
function recordProtected(
  metrics: Metrics,
  audit: AuditLog,
  r: { requestId: string; principalId?: string; model: string; protectedCounts: Record<string, number> },
  actionOf: (category: string) => string,
): void {
  const categories = Object.entries(r.protectedCounts);
  if (categories.length === 0) return;
  for (const [category, count] of categories) metrics.countPrivacyProtected(category, actionOf(category), count);
  audit.append({
    requestId: r.requestId,
    principalId: r.principalId,
    action: 'privacy.protected',
    outcome: 'success',
    resource: `model:${r.model}`,
    details: Object.fromEntries(categories),
  });
}

/** Reports content-policy findings on answers. */
export function guardEventSink(metrics: Metrics, audit: AuditLog): (event: GuardEvent, context: AnswerContext) => void {
  return (event, context) => {
    metrics.countPolicyBlock(event.category, event.shadow ? 'shadow' : event.action);
    audit.append({
      requestId: context.requestId,
      principalId: context.principal.id,
      role: context.principal.role,
      resource: `model:${context.model}`,
      action: 'policy.blocked',
      outcome: event.action === 'block' && !event.shadow ? 'denied' : 'success',
      details: { category: event.category, action: event.action, shadow: event.shadow },
    });
  };
}

/** Session lifecycle into the audit trail, the live-session gauge (between sweeps) and the conversation metrics. */
export function sessionEventsSink(metrics: Metrics, audit: AuditLog): SessionEventsSink {
  return {
    sessionCreated(session, requestId) {
      metrics.addSessionsLive(1);
      audit.append({
        requestId,
        principalId: session.ownerId,
        action: 'session.created',
        outcome: 'success',
        resource: `session:${session.id}`,
        details: { model: session.model },
      });
    },
    sessionDeleted(sessionId, ownerId, requestId) {
      metrics.addSessionsLive(-1);
      audit.append({
        requestId,
        principalId: ownerId,
        action: 'session.deleted',
        outcome: 'success',
        resource: `session:${sessionId}`,
      });
    },
    conversationTurn(outcome) {
      metrics.countConversation(outcome);
    },
    feedbackGiven(rating, reason) {
      metrics.countFeedback(rating, reason ?? 'none');
    },
  };
}
