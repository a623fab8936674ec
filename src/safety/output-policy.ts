// Output guard: applies the content policy to a streamed answer with a small hold-back window.

import { ParleyError } from '../domain/index.js';
import type { CompiledOutputPolicy, CompiledRule, GuardAction } from './policy-rules.js';

export * from './policy-rules.js';

/** What the guard found (metadata only: never the matched text). */
export interface GuardEvent {
  category: string;
  action: GuardAction;
  /** True when the policy is in shadow mode and nothing was changed. */
  shadow: boolean;
}

/** Text that may go to the client now, what was found, and whether the stream must stop. */
export interface GuardResult {
  text: string;
  events: GuardEvent[];
  /** Set once a `block` rule matched (enforce mode): end the stream with a content_blocked error. */
  blocked?: { category: string };
}

/** A guard for one streamed answer. */
export interface OutputGuard {
  push(chunk: string): GuardResult;
  /** Releases the held-back tail (call once at the end of the stream). */
  flush(): GuardResult;
}

/**
 * The error to end a blocked stream with (code content_blocked, 422). The message is generic on
 * purpose: rule categories are operator vocabulary and may themselves be sensitive.
 */
export function outputBlockedError(): ParleyError {
  return new ParleyError(
    'content_blocked',
    'The answer was stopped because it matched the content policy of this service.',
  );
}

interface Hit {
  start: number;
  end: number;
  rule: CompiledRule;
}

const CONTEXT_CHARS = 32;
const REMOVED = '[removed]';
function findHits(rules: readonly CompiledRule[], scan: string, offset: number): Hit[] {
  const hits: Hit[] = [];
  for (const rule of rules) {
    for (const source of rule.regexes) {
      const re = source; // shared: this loop never yields, and lastIndex is set before use
      re.lastIndex = offset;
      for (let m = re.exec(scan); m !== null; m = re.exec(scan)) {
        if (m[0].length === 0) {
          re.lastIndex++;
          continue;
        }
        hits.push({ start: m.index - offset, end: m.index - offset + m[0].length, rule });
      }
    }
  }
  return hits;
}

/** Keeps non-overlapping hits: block before redact before flag, then earliest, then longest. */
function select(hits: Hit[]): Hit[] {
  const bySeverity = [...hits].sort(
    (a, b) => b.rule.severity - a.rule.severity || a.start - b.start || b.end - b.start - (a.end - a.start),
  );
  const kept: Hit[] = [];
  for (const h of bySeverity) if (kept.every((k) => h.end <= k.start || h.start >= k.end)) kept.push(h);
  return kept.sort((a, b) => a.start - b.start);
}

/**
 * Creates a guard. Text is released only once it lies more than `holdBackChars` behind the end
 * of what arrived and no possible match straddles the release point, so a `block` or `redact`
 * match no longer than the window never reaches the client. Shadow mode returns every chunk
 * unchanged at once and reports what enforce mode would have done.
 */
export function createOutputGuard(policy: CompiledOutputPolicy): OutputGuard {
  const { mode, holdBackChars, rules } = policy;
  const shadow = mode === 'shadow';
  let pending = '';
  let context = '';
  let blocked: { category: string } | undefined;

  function process(final: boolean): GuardResult {
    const buf = pending;
    const events: GuardEvent[] = [];
    const hits = findHits(rules, context + buf, context.length);
    let limit = final ? buf.length : Math.max(0, buf.length - holdBackChars);
    // A hit touching the end may still grow or vanish (e.g. a whole word continuing): wait for it.
    if (!final) for (const h of hits) if (h.end >= buf.length) limit = Math.min(limit, h.start);
    const chosen = select(hits);
    if (!shadow) {
      const block = chosen.find((h) => h.rule.action === 'block' && (final || h.end < buf.length));
      if (block) {
        blocked = { category: block.rule.category };
        pending = '';
        return { text: '', events: [{ category: block.rule.category, action: 'block', shadow: false }], blocked };
      }
    }
    let out = '';
    let pos = 0;
    for (const h of chosen) {
      if (h.start >= limit) break;
      if (h.end > limit) {
        limit = h.start;
        break;
      }
      events.push({ category: h.rule.category, action: h.rule.action, shadow });
      if (!shadow && h.rule.action === 'redact') {
        out += buf.slice(pos, h.start) + REMOVED;
        pos = h.end;
      }
    }
    if (pos < limit) out += buf.slice(pos, limit);
    context = (context + buf.slice(0, limit)).slice(-CONTEXT_CHARS);
    pending = buf.slice(limit);
    return { text: out, events };
  }

  if (rules.length === 0) {
    return { push: (chunk) => ({ text: chunk, events: [] }), flush: () => ({ text: '', events: [] }) };
  }

  return {
    push(chunk) {
      if (blocked) return { text: '', events: [], blocked };
      pending += chunk;
      const result = process(false);
      return shadow ? { text: chunk, events: result.events } : result;
    },
    flush() {
      if (blocked) return { text: '', events: [], blocked };
      const result = process(true);
      return shadow ? { text: '', events: result.events } : result;
    },
  };
}
