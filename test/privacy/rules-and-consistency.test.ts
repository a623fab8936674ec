// Organisation rules (custom recognizers, allowlist, thresholds) and one placeholder per person across a session and a
// stream.

import { describe, expect, it } from 'vitest';
import { ParleyError, type ChatMessage } from '../../src/domain/index.js';
import { createPrivacyFilter } from '../../src/privacy/privacy-filter.js';
import { createReidentifier, reidentify } from '../../src/privacy/reidentifier.js';

const user = (content: string): ChatMessage => ({ role: 'user', content });
const assistant = (content: string): ChatMessage => ({ role: 'assistant', content });

describe('privacy.custom', () => {
  it('finds a pattern, checks its digits and uses the recognizer name as placeholder', () => {
    const filter = createPrivacyFilter(
      {},
      { custom: [{ name: 'member_card', pattern: String.raw`\bMC-\d{8}\b`, checksum: 'luhn' }] },
    );
    const r = filter.protect([user('cards MC-79927398 and MC-79927391')]);
    expect(r.messages[0].content).toBe('cards [MEMBER_CARD_1] and MC-79927391');
    expect(r.mapping).toEqual({ '[MEMBER_CARD_1]': 'MC-79927398' });
  });

  it('scores context words: a low base score needs a cue', () => {
    const filter = createPrivacyFilter(
      {},
      {
        custom: [
          {
            name: 'employee_id',
            pattern: String.raw`\b\d{6}\b`,
            score: 0.3,
            context: ['employee', 'personnel number'],
          },
        ],
      },
    );
    const text = 'employee 123456. The weather was fine all week long; then order 654321';
    expect(filter.protect([user(text)]).messages[0].content).toBe(
      'employee [EMPLOYEE_ID_1]. The weather was fine all week long; then order 654321',
    );
  });

  it('supports mod97 and mod11 checks', () => {
    const filter = createPrivacyFilter(
      {},
      {
        custom: [
          { name: 'ref97', pattern: String.raw`\bRF\d{2}[A-Z0-9]{1,21}\b`, checksum: 'mod97' },
          { name: 'acct11', pattern: String.raw`\b\d{7}\b`, checksum: 'mod11' },
        ],
      },
    );
    const out = filter.protect([user('RF18539007547034 RF19539007547034 0365327 0365328')]).messages[0].content;
    expect(out).toBe('[REF97_1] RF19539007547034 [ACCT11_1] 0365328');
  });

  it('finds terms case-insensitively as whole words and can block them by name', () => {
    const filter = createPrivacyFilter(
      {},
      { custom: [{ name: 'codename', terms: ['Project Nightjar', 'Bluefin'], action: 'block' }] },
    );
    expect(filter.protect([user('bluefinch is fine')]).messages[0].content).toBe('bluefinch is fine');
    let error: unknown;
    try {
      filter.protect([user('status of project   nightjar?')]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ParleyError);
    expect((error as ParleyError).message).toContain('a codename value');
    expect((error as ParleyError).message).not.toContain('nightjar');
  });

  it('redacts with the recognizer tag', () => {
    const filter = createPrivacyFilter(
      {},
      { custom: [{ name: 'ticket', pattern: String.raw`\bTCK-\d+\b`, action: 'redact' }] },
    );
    expect(filter.protect([user('see TCK-991')]).messages[0].content).toBe('see [REDACTED_TICKET]');
  });
});

describe('privacy.allowlist and thresholds', () => {
  it('leaves allowlisted terms alone, whatever a recognizer thinks', () => {
    const filter = createPrivacyFilter({}, { allowlist: ['Hugo Boss', 'Acme'] });
    expect(filter.protect([user('Compare Hugo Boss with Calvin Klein')]).messages[0].content).toBe(
      'Compare Hugo Boss with [PERSON_1]',
    );
  });
  it('a higher threshold drops weaker findings', () => {
    const text = 'Mr Whitfield called.';
    expect(createPrivacyFilter().protect([user(text)]).messages[0].content).toBe('Mr [PERSON_1] called.');
    expect(createPrivacyFilter({}, { thresholds: { person: 0.7 } }).protect([user(text)]).messages[0].content).toBe(
      text,
    );
  });
});

describe('one placeholder per person', () => {
  it('maps the full name, the given name and the title with family name to one placeholder', () => {
    const filter = createPrivacyFilter();
    const first = filter.protect([user('My name is Jonathan Whitfield.')]);
    expect(first.messages[0].content).toBe('My name is [PERSON_1].');
    const second = filter.protect(
      [
        user('My name is Jonathan Whitfield.'),
        assistant('Hello [PERSON_1]!'),
        user('Jonathan here again; Mr Whitfield sends his regards.'),
      ],
      first.mapping,
    );
    expect(second.messages[2].content).toBe('[PERSON_1] here again; Mr [PERSON_1] sends his regards.');
    expect(second.mapping).toEqual({ '[PERSON_1]': 'Jonathan Whitfield' });
  });

  it('gives a known name one placeholder where the recognizer leaves it alone, not one per part', () => {
    const filter = createPrivacyFilter();
    const r = filter.protect([
      user('Ik sprak met Pieter van der Berg.'),
      user('Jonathan Whitfield called. The Jonathan Whitfield Foundation and Pieter van der Berg BV are ours.'),
    ]);
    expect(r.messages[0].content).toBe('Ik sprak met [PERSON_1].');
    expect(r.messages[1].content).toBe('[PERSON_2] called. The [PERSON_2] Foundation and [PERSON_1] BV are ours.');
    // Restored, the answer names each person once.
    expect(reidentify('The [PERSON_2] Foundation', r.mapping)).toBe('The Jonathan Whitfield Foundation');
  });

  it('keeps two persons apart and leaves a shared part ambiguous', () => {
    const filter = createPrivacyFilter();
    const r = filter.protect([user('Anna Schmidt met Anna Keller. Later Schmidt left, and Anna stayed.')]);
    expect(r.messages[0].content).toBe('[PERSON_1] met [PERSON_2]. Later [PERSON_1] left, and Anna stayed.');
  });

  it('reads bare mentions as the recognizer reads words: whole hyphenated and prefixed names, among many persons', () => {
    const filter = createPrivacyFilter();
    const known = Array.from({ length: 14 }, (_, i) => `Mr ${String.fromCharCode(65 + i)}ardle`);
    const { mapping } = filter.protect([user(`Present: Mr O'Brien and Mr Pierre, ${known.join(', ')}.`)]);
    expect(Object.keys(mapping)).toHaveLength(16);
    const r = filter.protect([user("O'Brien flew to Saint-Pierre, then Pierre and Wardle left.")], mapping);
    // `Pierre` inside `Saint-Pierre` is part of another name; `Wardle` was never named.
    expect(r.messages[0].content).toBe('[PERSON_1] flew to Saint-Pierre, then [PERSON_2] and Wardle left.');
  });

  it('restores the originals in an answer streamed in chunks split at every point', () => {
    const filter = createPrivacyFilter();
    const { mapping } = filter.protect([
      user('I am Jonathan Whitfield, I live at 42 Baker Street, London NW1 6XE, born 14/03/1985.'),
    ]);
    const answer = 'Dear [PERSON_1], we will write to [ADDRESS_1] (born [DATE_OF_BIRTH_1]).';
    const expected = 'Dear Jonathan Whitfield, we will write to 42 Baker Street, London NW1 6XE (born 14/03/1985).';
    expect(reidentify(answer, mapping)).toBe(expected);
    for (let i = 0; i <= answer.length; i++) {
      for (const j of [i, Math.min(answer.length, i + 3), Math.min(answer.length, i + 11)]) {
        const r = createReidentifier(mapping);
        const out = r.push(answer.slice(0, i)) + r.push(answer.slice(i, j)) + r.push(answer.slice(j)) + r.flush();
        expect(out, `split at ${i}/${j}`).toBe(expected);
      }
    }
  });
});
