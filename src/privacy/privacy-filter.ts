// Privacy filter: pseudonymises, redacts or blocks PII and secrets in messages before they leave for a provider.

import { ParleyError, type ChatMessage } from '../domain/index.js';
import { compileAllowlist, compileRecognizer } from './custom.js';
import { detect } from './detectors/index.js';
import { WEAK_NAMES } from './detectors/name-stopwords.js';
import { capitalisedWords, isNameGap } from './detectors/person.js';
import { WordShapes } from './detectors/util.js';
import { labelPrefix } from './labels.js';
import { PseudonymBook, redactionFor } from './pseudonyms.js';
import {
  ALL_CATEGORIES,
  CATEGORY_LABELS,
  DEFAULT_PRIVACY_POLICY,
  isSecretCategory,
  type Category,
  type Match,
  type PrivacyAction,
  type PrivacyOptions,
  type PrivacyPolicy,
  type PseudonymMap,
  type TextScan,
} from './types.js';

/** What `protect` returns: the messages to send, the session's updated map, and counts (metadata only). */
export interface ProtectResult {
  messages: ChatMessage[];
  mapping: PseudonymMap;
  /** Findings per built-in category; custom recognizers' findings are not counted here. */
  counts: Partial<Record<Category, number>>;
}

/** A privacy filter bound to one policy. */
export interface PrivacyFilter {
  readonly policy: Readonly<PrivacyPolicy>;
  /** False when every category and custom recognizer is `allow`: `protect` then changes nothing. */
  readonly scans: boolean;
  /**
   * Protects every message. Values of `block` categories in user or system messages throw
   * `ParleyError('content_blocked')`; in assistant messages (model output shown to the user)
   * they are redacted instead, so an answer quoting a key-like string cannot lock the session.
   * The input map is not mutated; store the returned `mapping` in the session.
   */
  protect(messages: readonly ChatMessage[], mapping?: PseudonymMap): ProtectResult;
  /** What to write before a JSON member's value with this key when it is scanned (see `labelPrefix`). */
  labelPrefix(key: string): string;
}

/** The 422 error for blocked content; names what was found, never the value. */
export function blockedContentError(
  categories: readonly Category[],
  customNames: readonly string[] = [],
  as: { subject: string; param: string } = { subject: 'Your message', param: 'messages' },
): ParleyError {
  const labels = [
    ...new Set([...categories.map((c) => CATEGORY_LABELS[c]), ...customNames.map((n) => `a ${n} value`)]),
  ].join(' and ');
  const secret = customNames.length === 0 && categories.every(isSecretCategory);
  const message = secret
    ? `${as.subject} contains ${categories.length > 1 ? 'secrets' : 'a secret'} (${labels}). ` +
      `Remove it and send again; secrets are never forwarded to the model.`
    : `${as.subject} contains ${labels}, which this service is configured not to forward. Remove it and send again.`;
  return new ParleyError('content_blocked', message, { param: as.param });
}

/**
 * Bare mentions (`Jonathan`, `Whitfield`) of persons already known in the session, outside other findings (sorted by
 * start), among the capitalised `words` the person recognizer read (`[start0, end0, …]`).
 */
function knownPersonMentions(
  text: string,
  parts: ReadonlyMap<string, string>,
  matches: readonly Match[],
  words: readonly number[],
): Match[] {
  if (parts.size === 0) return [];
  const out: Match[] = [];
  let k = 0; // matches are sorted by start and do not overlap: walk them alongside the words
  // Most capitalised words are no known part: a shape test on their first (lower-cased), last letter and length skips
  // them. (A non-ASCII capital may lower-case to more than one character: those words are looked up.)
  const shapes = new WordShapes(parts.keys());
  for (let w = 0; w < words.length; w += 2) {
    const start = words[w];
    const end = words[w + 1];
    const first = text.charCodeAt(start);
    if (first < 128 && !shapes.mayHaveShape(first | 32, text.charCodeAt(end - 1), end - start)) continue;
    const word = text.slice(start, end);
    const lower = word.toLowerCase();
    if (!parts.has(lower) || WEAK_NAMES.has(lower)) continue;
    while (k < matches.length && matches[k].end <= start) k++;
    if (k < matches.length && matches[k].start < end) continue;
    out.push({ category: 'person', start, end, value: word, score: 0.9 });
  }
  return joinAdjacent(text, out, parts);
}

/**
 * Joins mentions of one known person that follow each other with only a name's gap between (`Jonathan
 * Whitfield` in `the Jonathan Whitfield Foundation`, where the recognizer leaves the name alone): one placeholder for
 * the name, not one per part, which the restored answer would show as the name twice.
 */
function joinAdjacent(text: string, mentions: Match[], parts: ReadonlyMap<string, string>): Match[] {
  if (mentions.length < 2) return mentions;
  const out: Match[] = [mentions[0]];
  let person = parts.get(mentions[0].value.toLowerCase());
  for (let i = 1; i < mentions.length; i++) {
    const last = out[out.length - 1];
    const m = mentions[i];
    const next = parts.get(m.value.toLowerCase());
    if (next === person && isNameGap(text, last.end, m.start))
      out[out.length - 1] = { ...last, end: m.end, value: text.slice(last.start, m.end) };
    else out.push(m);
    person = next;
  }
  return out;
}

/**
 * Creates a filter; categories missing from `policy` take the defaults (PII pseudonymised, secrets
 * blocked, URL credentials redacted). `options` adds thresholds, custom recognizers and an allowlist.
 */
export function createPrivacyFilter(policy: Partial<PrivacyPolicy> = {}, options: PrivacyOptions = {}): PrivacyFilter {
  const resolved: Readonly<PrivacyPolicy> = Object.freeze({ ...DEFAULT_PRIVACY_POLICY, ...policy });
  const active = ALL_CATEGORIES.filter((c) => resolved[c] !== 'allow');
  const recognizers = (options.custom ?? [])
    .filter((r) => (r.action ?? 'pseudonymise') !== 'allow')
    .map(compileRecognizer);
  const allow = compileAllowlist(options.allowlist ?? []);
  const thresholds = options.thresholds ?? {};
  const actionOf = (m: Match): PrivacyAction => m.custom?.action ?? resolved[m.category];

  function findAll(text: string, book: () => PseudonymBook, sessionHasPersons: boolean): Match[] {
    const extra = recognizers.flatMap((r) => r.find(text));
    const scan: TextScan = {};
    let matches = allow(text, detect(text, active, thresholds, extra, scan));
    if (resolved.person === 'pseudonymise') {
      const persons = matches.filter((m) => m.category === 'person' && !m.custom);
      for (const p of persons) book().placeholderFor('person', p.value);
      const parts = persons.length > 0 || sessionHasPersons ? book().personParts() : new Map<string, string>();
      const words = parts.size > 0 ? (scan.words ?? capitalisedWords(text)) : [];
      const mentions = allow(text, knownPersonMentions(text, parts, matches, words));
      if (mentions.length > 0) matches = [...matches, ...mentions].sort((a, b) => a.start - b.start);
    }
    return matches;
  }

  function protectOne(
    message: ChatMessage,
    book: () => PseudonymBook,
    counts: Partial<Record<Category, number>>,
    sessionHasPersons: boolean,
  ): ChatMessage {
    const matches = findAll(message.content, book, sessionHasPersons);
    if (matches.length === 0) return message;
    if (message.role !== 'assistant') {
      const blocked = matches.filter((m) => actionOf(m) === 'block');
      if (blocked.length > 0) {
        throw blockedContentError(
          blocked.filter((m) => !m.custom).map((m) => m.category),
          blocked.filter((m) => m.custom).map((m) => m.custom?.tag.toLowerCase() ?? ''),
          options.blockedAs,
        );
      }
    }
    let out = '';
    let at = 0;
    for (const m of matches) {
      const action = actionOf(m);
      out += message.content.slice(at, m.start);
      if (m.custom)
        out +=
          action === 'pseudonymise'
            ? book().placeholderFor(m.category, m.value, m.custom.tag)
            : `[REDACTED_${m.custom.tag}]`;
      else {
        out += action === 'pseudonymise' ? book().placeholderFor(m.category, m.value) : redactionFor(m.category);
        counts[m.category] = (counts[m.category] ?? 0) + 1;
      }
      at = m.end;
    }
    out += message.content.slice(at);
    return { ...message, content: out };
  }

  return {
    policy: resolved,
    scans: active.length > 0 || recognizers.length > 0,
    labelPrefix,
    protect(messages, mapping = {}) {
      const counts: Partial<Record<Category, number>> = {};
      if (active.length === 0 && recognizers.length === 0)
        return { messages: [...messages], mapping: { ...mapping }, counts };
      // The book (two maps and a copy of the mapping) is built only once something is to be pseudonymised.
      let book: PseudonymBook | undefined;
      const bookOf = (): PseudonymBook => (book ??= new PseudonymBook(mapping));
      const sessionHasPersons = Object.keys(mapping).some((k) => k.startsWith('[PERSON_'));
      const protectedMessages = messages.map((m) => protectOne(m, bookOf, counts, sessionHasPersons));
      return { messages: protectedMessages, mapping: book ? book.mapping : { ...mapping }, counts };
    },
  };
}
