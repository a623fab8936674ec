// Operator rules: custom recognizers (pattern + checksum + context, or terms) and the allowlist.

import { windowBefore } from './detectors/context.js';
import { mod11Valid } from './detectors/id-checksums.js';
import { ibanChecksumValid, luhnValid } from './detectors/util.js';
import { DEFAULT_THRESHOLD, type CustomRecognizer, type Match } from './types.js';

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, String.raw`\s+`);

/** A whole-word, case-insensitive regex for a list of terms (longest first). */
function termsRegex(terms: readonly string[]): RegExp {
  const alternatives = [...terms]
    .sort((a, b) => b.length - a.length)
    .map(escape)
    .join('|');
  return new RegExp(`(?<![\\p{L}\\p{N}_])(?:${alternatives})(?![\\p{L}\\p{N}_])`, 'giu');
}

/**
 * ISO 7064 MOD 97-10 as IBANs and RF creditor references use it: first four characters moved to the end, letters
 * 10-35, remainder 1.
 */
function mod97Valid(value: string): boolean {
  return /^[A-Z0-9]{5,}$/.test(value) && ibanChecksumValid(value);
}

const CHECKS: Record<NonNullable<CustomRecognizer['checksum']>, (value: string) => boolean> = {
  luhn: (v) => luhnValid(v.replace(/\D/g, '')),
  mod97: (v) => mod97Valid(v.replace(/[\s\-]/g, '').toUpperCase()),
  mod11: (v) => mod11Valid(v.replace(/\D/g, '')),
};

/** A compiled custom recognizer. */
export interface CompiledRecognizer {
  find(text: string): Match[];
}

/** Compiles one recognizer; throws an Error naming it if its pattern does not compile. */
export function compileRecognizer(r: CustomRecognizer): CompiledRecognizer {
  const regexes: RegExp[] = [];
  try {
    if (r.pattern !== undefined) regexes.push(new RegExp(r.pattern, r.ignoreCase ? 'giu' : 'gu'));
  } catch (error) {
    throw new Error(`privacy.custom '${r.name}': ${(error as Error).message}`, { cause: error });
  }
  if (r.terms && r.terms.length > 0) regexes.push(termsRegex(r.terms));
  const context = r.context && r.context.length > 0 ? termsRegex(r.context) : undefined;
  const check = r.checksum ? CHECKS[r.checksum] : undefined;
  const custom = { tag: r.name.toUpperCase(), action: r.action ?? 'pseudonymise' };
  const threshold = r.threshold ?? DEFAULT_THRESHOLD;
  return {
    find(text) {
      const out: Match[] = [];
      for (const [k, re] of regexes.entries()) {
        re.lastIndex = 0;
        for (let m = re.exec(text); m !== null; m = re.exec(text)) {
          if (m[0].length === 0) {
            re.lastIndex++;
            continue;
          }
          const isTerm = k === regexes.length - 1 && r.terms !== undefined && r.terms.length > 0;
          if (!isTerm && check && !check(m[0])) continue;
          let score = isTerm ? 1 : (r.score ?? 0.6);
          if (!isTerm && context) {
            context.lastIndex = 0;
            if (context.test(windowBefore(text, m.index, 40))) score += 0.35;
          }
          if (score < threshold) continue;
          out.push({
            category: 'person',
            start: m.index,
            end: m.index + m[0].length,
            value: m[0],
            score: Math.min(1, score),
            custom,
          });
        }
      }
      return out;
    },
  };
}

/** Returns a function that drops findings overlapping an allowlisted term; identity for an empty list. */
export function compileAllowlist(terms: readonly string[]): (text: string, matches: Match[]) => Match[] {
  if (terms.length === 0) return (_text, matches) => matches;
  const re = termsRegex(terms);
  return (text, matches) => {
    if (matches.length === 0) return matches;
    const spans: [number, number][] = [];
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) spans.push([m.index, m.index + m[0].length]);
    if (spans.length === 0) return matches;
    return matches.filter((m) => !spans.some(([s, e]) => m.start < e && m.end > s));
  };
}
