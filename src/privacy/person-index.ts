// Name parts of the persons known in a session, so `Jonathan` and `Mr Whitfield` map to the `[PERSON_n]` of `Jonathan
// Whitfield`.

import { PARTICLES } from './detectors/person-words.js';

/** The lower-cased parts of a name that can identify it alone (particles and initials left out). */
export function nameParts(name: string): string[] {
  return name
    .toLowerCase()
    .split(/[\s,]+/)
    .map((p) => p.replace(/\.$/, ''))
    .filter((p) => p.length > 1 && !PARTICLES.has(p));
}

/** Index of known persons: placeholder -> parts, and part -> placeholders. */
export class PersonIndex {
  private readonly parts = new Map<string, string[]>();
  private readonly byPart = new Map<string, Set<string>>();

  /** Records a person; `parts` are `nameParts(name)` when the caller has them already. */
  add(placeholder: string, name: string, parts: string[] = nameParts(name)): void {
    this.parts.set(placeholder, parts);
    for (const p of parts) {
      let set = this.byPart.get(p);
      if (!set) this.byPart.set(p, (set = new Set()));
      set.add(placeholder);
    }
  }

  /**
   * The placeholder of the one known person that `name` is part of (`Whitfield` of `Jonathan
   * Whitfield`) or a fuller form of (`Jonathan Whitfield` after `Mr Whitfield`); undefined if none
   * or several fit.
   */
  resolve(name: string, parts: string[] = nameParts(name)): string | undefined {
    if (parts.length === 0) return undefined;
    const fits = new Set<string>();
    // Only persons sharing a part can fit: look at those, not at every person of the session.
    for (const part of parts) {
      for (const placeholder of this.byPart.get(part) ?? []) {
        if (fits.has(placeholder)) continue;
        const known = this.parts.get(placeholder) ?? [];
        if (known.length > 0 && (parts.every((p) => known.includes(p)) || known.every((p) => parts.includes(p))))
          fits.add(placeholder);
      }
    }
    return fits.size === 1 ? [...fits][0] : undefined;
  }

  /** Parts that belong to exactly one known person. */
  unambiguousParts(): Map<string, string> {
    const out = new Map<string, string>();
    for (const [part, set] of this.byPart) if (set.size === 1) out.set(part, [...set][0]);
    return out;
  }
}
