// The privacy filter for embeddings inputs: nothing comes back to restore, so pseudonymise acts as redact.

import { createPrivacyFilter } from './privacy-filter.js';
import { DEFAULT_PRIVACY_POLICY, type PrivacyAction, type PrivacyOptions, type PrivacyPolicy } from './types.js';

/** What the embeddings path needs of the privacy filter. */
export interface EmbeddingGuard {
  /** False when every category and custom recognizer is `allow`: nothing is scanned, so token arrays may pass. */
  readonly scans: boolean;
  /**
   * The texts to send (findings redacted), with counts per category; throws `content_blocked` (param `input`) for
   * `block` findings.
   */
  protect(texts: readonly string[]): { texts: string[]; counts: Record<string, number> };
}

const asRedact = (action: PrivacyAction): PrivacyAction => (action === 'pseudonymise' ? 'redact' : action);

/**
 * Builds the guard from the same policy and options as the chat filter, with every `pseudonymise`
 * (per category and per custom recognizer) turned into `redact`: a pseudonym only helps when the
 * answer is restored, and an embedding is a vector with nothing to restore.
 */
export function createEmbeddingGuard(
  policy: Partial<PrivacyPolicy> = {},
  options: PrivacyOptions = {},
): EmbeddingGuard {
  const resolved = { ...DEFAULT_PRIVACY_POLICY, ...policy };
  const redacting = Object.fromEntries(
    Object.entries(resolved).map(([category, action]) => [category, asRedact(action)]),
  ) as PrivacyPolicy;
  const custom = (options.custom ?? []).map((r) => ({ ...r, action: asRedact(r.action ?? 'pseudonymise') }));
  const filter = createPrivacyFilter(redacting, {
    ...options,
    custom,
    blockedAs: { subject: 'Your input', param: 'input' },
  });
  return {
    scans: filter.scans,
    protect(texts) {
      const { messages, counts } = filter.protect(texts.map((content) => ({ role: 'user' as const, content })));
      return { texts: messages.map((m) => m.content), counts: counts as Record<string, number> };
    },
  };
}
