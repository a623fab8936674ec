// Pseudonym bookkeeping: stable placeholders per session, derived from the plain placeholder -> original map.

import { nameParts, PersonIndex } from './person-index.js';
import { ALL_CATEGORIES, CATEGORY_TAGS, type Category, type PseudonymMap } from './types.js';

/** Matches one placeholder and captures its tag and number: `[EMAIL_12]` -> EMAIL, 12. */
export const PLACEHOLDER = /^\[([A-Z]+(?:_[A-Z]+)*)_(\d{1,6})\]$/;

const CATEGORY_BY_TAG: ReadonlyMap<string, Category> = new Map(ALL_CATEGORIES.map((c) => [CATEGORY_TAGS[c], c]));

// Whitespace that `\s+` -> ' ' would change: a run of two or more, or any whitespace but a space.
const SPACES_TO_FOLD = /\s\s|[^\S ]/;

/** The comparison key of a value, so trivially different spellings share a placeholder. */
export function normaliseValue(category: Category, value: string): string {
  switch (category) {
    case 'email':
    case 'ip':
      return value.toLowerCase();
    case 'phone':
      return value.replace(/[^\d+]/g, '');
    case 'card':
    case 'ssn':
      return value.replace(/\D/g, '');
    case 'iban':
    case 'national_id':
    case 'passport':
      return value.replace(/[\s.\-]/g, '').toUpperCase();
    case 'mac':
      return value.replace(/[:.\-]/g, '').toLowerCase();
    case 'person':
    case 'address':
      return (SPACES_TO_FOLD.test(value) ? value.replace(/\s+/g, ' ') : value).toLowerCase();
    default:
      return value;
  }
}

/**
 * A working copy of a session's pseudonym map that hands out stable placeholders: a value seen
 * before (in this call or an earlier one) gets its old placeholder, a new one the next number.
 */
export class PseudonymBook {
  // A Map while placeholders are handed out: adding to and probing an object of many keys costs more.
  private readonly entries: Map<string, string>;
  private snapshot: PseudonymMap | undefined;
  private readonly persons = new PersonIndex();
  /** Placeholder by tag, then by comparison key (no joined key string to build and hash per value). */
  private readonly byValue = new Map<string, Map<string, string>>();
  private readonly next = new Map<string, number>();

  constructor(mapping: PseudonymMap) {
    this.entries = new Map(Object.entries(mapping));
    for (const [placeholder, original] of Object.entries(mapping)) {
      const parsed = PLACEHOLDER.exec(placeholder);
      if (!parsed) continue;
      const [, tag, n] = parsed;
      this.next.set(tag, Math.max(this.next.get(tag) ?? 1, Number(n) + 1));
      const category = CATEGORY_BY_TAG.get(tag);
      this.valuesOf(tag).set(category ? normaliseValue(category, original) : original, placeholder);
      if (category === 'person') this.persons.add(placeholder, original);
    }
  }

  /**
   * The placeholder for `value`, creating and recording one if needed. `tag` overrides the
   * category's stem (custom recognizers). A person's part (`Jonathan`, `Whitfield`) or a fuller
   * form gets the placeholder of the one known person it fits, when exactly one fits.
   */
  placeholderFor(category: Category, value: string, tag: string = CATEGORY_TAGS[category]): string {
    const key = tag === CATEGORY_TAGS[category] ? normaliseValue(category, value) : value;
    const values = this.valuesOf(tag);
    const exact = values.get(key);
    if (exact) return exact;
    const isPerson = category === 'person' && tag === 'PERSON';
    const parts = isPerson ? nameParts(value) : undefined; // once, for the lookup and the record
    const known = parts ? this.persons.resolve(value, parts) : undefined;
    if (known) return known;
    let n = this.next.get(tag) ?? 1;
    let placeholder = `[${tag}_${n}]`;
    while (this.entries.has(placeholder)) placeholder = `[${tag}_${++n}]`;
    this.next.set(tag, n + 1);
    this.entries.set(placeholder, value);
    this.snapshot = undefined;
    values.set(key, placeholder);
    if (parts) this.persons.add(placeholder, value, parts);
    return placeholder;
  }

  private valuesOf(tag: string): Map<string, string> {
    let values = this.byValue.get(tag);
    if (values === undefined) this.byValue.set(tag, (values = new Map()));
    return values;
  }

  /** The session's map with the placeholders handed out so far (a new object; do not change it). */
  get mapping(): PseudonymMap {
    if (this.snapshot === undefined) {
      const out: PseudonymMap = {};
      // a loop: ~5x faster than Object.fromEntries here
      for (const [placeholder, original] of this.entries) out[placeholder] = original;
      this.snapshot = out;
    }
    return this.snapshot;
  }

  /** Name parts that belong to exactly one known person, lower-cased, with that person's placeholder. */
  personParts(): ReadonlyMap<string, string> {
    return this.persons.unambiguousParts();
  }
}

/** The irreversible replacement of a redacted value: `[REDACTED_EMAIL]`. */
export function redactionFor(category: Category): string {
  return `[REDACTED_${CATEGORY_TAGS[category]}]`;
}
