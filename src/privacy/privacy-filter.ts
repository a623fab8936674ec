// Privacy filter: pseudonymises, redacts or blocks PII and secrets in messages before they leave for a provider.

import { ParleyError, type ChatMessage } from '../domain/index.js';
import { detect } from './detectors/index.js';
import { PseudonymBook, redactionFor } from './pseudonyms.js';
import {
  ALL_CATEGORIES,
  CATEGORY_LABELS,
  DEFAULT_PRIVACY_POLICY,
  isSecretCategory,
  type Category,
  type PrivacyPolicy,
  type PseudonymMap,
} from './types.js';

/** What `protect` returns: the messages to send, the session's updated map, and counts (metadata only). */
export interface ProtectResult {
  messages: ChatMessage[];
  mapping: PseudonymMap;
  counts: Partial<Record<Category, number>>;
}

/** A privacy filter bound to one policy. */
export interface PrivacyFilter {
  readonly policy: Readonly<PrivacyPolicy>;
  /**
   * Protects every message. Values of `block` categories in user or system messages throw
   * `ParleyError('content_blocked')`; in assistant messages (model output shown to the user)
   * they are redacted instead, so an answer quoting a key-like string cannot lock the session.
   * The input map is not mutated; store the returned `mapping` in the session.
   */
  protect(messages: readonly ChatMessage[], mapping?: PseudonymMap): ProtectResult;
}

/** The 422 error for blocked content; names what was found, never the value. */
export function blockedContentError(categories: readonly Category[]): ParleyError {
  const labels = [...new Set(categories.map((c) => CATEGORY_LABELS[c]))].join(' and ');
  const secret = categories.every(isSecretCategory);
  const message = secret
    ? `Your message contains ${categories.length > 1 ? 'secrets' : 'a secret'} (${labels}). Remove it and send again; secrets are never forwarded to the model.`
    : `Your message contains ${labels}, which this service is configured not to forward. Remove it and send again.`;
  return new ParleyError('content_blocked', message, { param: 'messages' });
}

/** Creates a filter; categories missing from `policy` take the defaults (PII pseudonymised, secrets blocked). */
export function createPrivacyFilter(policy: Partial<PrivacyPolicy> = {}): PrivacyFilter {
  const resolved: Readonly<PrivacyPolicy> = Object.freeze({ ...DEFAULT_PRIVACY_POLICY, ...policy });
  const active = ALL_CATEGORIES.filter((c) => resolved[c] !== 'allow');

  function protectOne(message: ChatMessage, book: () => PseudonymBook, counts: Partial<Record<Category, number>>): ChatMessage {
    const matches = detect(message.content, active);
    if (matches.length === 0) return message;
    if (message.role !== 'assistant') {
      const blocked = matches.filter((m) => resolved[m.category] === 'block').map((m) => m.category);
      if (blocked.length > 0) throw blockedContentError(blocked);
    }
    let out = '';
    let at = 0;
    for (const m of matches) {
      const action = resolved[m.category];
      out += message.content.slice(at, m.start);
      out += action === 'pseudonymise' ? book().placeholderFor(m.category, m.value) : redactionFor(m.category);
      at = m.end;
      counts[m.category] = (counts[m.category] ?? 0) + 1;
    }
    out += message.content.slice(at);
    return { ...message, content: out };
  }

  return {
    policy: resolved,
    protect(messages, mapping = {}) {
      const counts: Partial<Record<Category, number>> = {};
      if (active.length === 0) return { messages: [...messages], mapping: { ...mapping }, counts };
      // The book (two maps and a copy of the mapping) is built only once something is to be pseudonymised.
      let book: PseudonymBook | undefined;
      const bookOf = (): PseudonymBook => (book ??= new PseudonymBook(mapping));
      const protectedMessages = messages.map((m) => protectOne(m, bookOf, counts));
      return { messages: protectedMessages, mapping: book ? book.mapping : { ...mapping }, counts };
    },
  };
}
