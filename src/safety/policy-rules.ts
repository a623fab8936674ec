// Output content policy: the rule shapes and their one-time compilation into regexes.

/** What happens to a match in an answer. */
export type GuardAction = 'flag' | 'redact' | 'block';

/** One rule: a category name (reported, never the text), an action and what to look for. */
export interface OutputRule {
  category: string;
  action: GuardAction;
  /** Regular expression sources, compiled case-insensitive (`gi`). */
  patterns?: string[];
  /** Whole words or phrases, matched case-insensitive at word boundaries (Unicode letters and digits). */
  words?: string[];
}

/** The content policy applied to answers. */
export interface OutputPolicy {
  /** `enforce` acts on matches; `shadow` passes everything through and only reports. */
  mode: 'enforce' | 'shadow';
  rules: OutputRule[];
  /** Characters held back from the client to catch matches split across chunks (default 64). */
  holdBackChars?: number;
}

/** A rule with its regexes compiled once. */
export interface CompiledRule {
  category: string;
  action: GuardAction;
  severity: number;
  regexes: RegExp[];
}

/** A policy ready for streaming: compiled once, shared by every guard. */
export interface CompiledOutputPolicy {
  mode: 'enforce' | 'shadow';
  holdBackChars: number;
  rules: CompiledRule[];
}

/** Default hold-back window, in characters. */
export const DEFAULT_HOLD_BACK_CHARS = 64;

const SEVERITY: Readonly<Record<GuardAction, number>> = { block: 3, redact: 2, flag: 1 };

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Validates and compiles a policy. Throws an `Error` naming the rule and the problem (for the
 * config loader to show at start-up): unknown action, invalid regex, empty rule.
 */
export function compileOutputPolicy(policy: OutputPolicy): CompiledOutputPolicy {
  if (policy.mode !== 'enforce' && policy.mode !== 'shadow') {
    throw new Error(`output policy: mode must be "enforce" or "shadow", got ${JSON.stringify(policy.mode)}`);
  }
  const holdBackChars = policy.holdBackChars ?? DEFAULT_HOLD_BACK_CHARS;
  if (!Number.isInteger(holdBackChars) || holdBackChars < 0) {
    throw new Error(`output policy: holdBackChars must be a whole number >= 0, got ${String(holdBackChars)}`);
  }
  const rules = policy.rules.map((rule, i): CompiledRule => {
    const where = `output policy rule ${i} (category ${JSON.stringify(rule.category)})`;
    if (!(rule.action in SEVERITY)) throw new Error(`${where}: action must be flag, redact or block`);
    const regexes: RegExp[] = [];
    for (const source of rule.patterns ?? []) {
      try {
        regexes.push(new RegExp(source, 'gi'));
      } catch (error) {
        throw new Error(`${where}: invalid pattern ${JSON.stringify(source)}: ${(error as Error).message}`, {
          cause: error,
        });
      }
    }
    const words = (rule.words ?? []).map((w) => w.trim()).filter((w) => w.length > 0);
    if (words.length > 0) {
      const alternatives = words
        .sort((a, b) => b.length - a.length)
        .map((w) => escapeRegex(w).replace(/\s+/g, '\\s+'))
        .join('|');
      regexes.push(new RegExp(`(?<![\\p{L}\\p{N}_])(?:${alternatives})(?![\\p{L}\\p{N}_])`, 'giu'));
    }
    if (regexes.length === 0) throw new Error(`${where}: needs at least one pattern or word`);
    return { category: rule.category, action: rule.action, severity: SEVERITY[rule.action], regexes };
  });
  return { mode: policy.mode, holdBackChars, rules };
}
