// Privacy filter: pseudonymise stability, redact, block messages, history protection.

import { describe, expect, it } from 'vitest';
import { ParleyError, type ChatMessage } from '../../src/domain/index.js';
import { createPrivacyFilter } from '../../src/privacy/privacy-filter.js';
import { createReidentifier, reidentify } from '../../src/privacy/reidentifier.js';

const user = (content: string): ChatMessage => ({ role: 'user', content });
const assistant = (content: string): ChatMessage => ({ role: 'assistant', content });
const OPENAI_KEY = 'sk-proj-Q3x9Lm2Vb7Tn4Rk8Wp1Zs6Yd0Hc5Jf3Ga8Eu2';

function blockedError(fn: () => unknown): ParleyError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ParleyError) return error;
    throw error;
  }
  throw new Error('expected a ParleyError');
}

describe('createPrivacyFilter', () => {
  it('pseudonymises personal data with numbered placeholders and returns the mapping', () => {
    const filter = createPrivacyFilter();
    const r = filter.protect(
      [user('Mail bob@example.com or ann@example.com, call +44 20 7946 0958, card 4111 1111 1111 1111')],
      {},
    );
    expect(r.messages[0].content).toBe('Mail [EMAIL_1] or [EMAIL_2], call [PHONE_1], card [CARD_1]');
    expect(r.mapping).toEqual({
      '[EMAIL_1]': 'bob@example.com',
      '[EMAIL_2]': 'ann@example.com',
      '[PHONE_1]': '+44 20 7946 0958',
      '[CARD_1]': '4111 1111 1111 1111',
    });
    expect(r.counts).toEqual({ email: 2, phone: 1, card: 1 });
  });

  it('keeps pseudonyms stable across messages and turns of a session', () => {
    const filter = createPrivacyFilter();
    const first = filter.protect([user('I am bob@example.com, IBAN DE89370400440532013000')], {});
    const second = filter.protect(
      [
        user('I am bob@example.com, IBAN DE89370400440532013000'),
        assistant('Noted, BOB@example.com.'),
        user('also eve@example.com and DE89 3704 0044 0532 0130 00'),
      ],
      first.mapping,
    );
    expect(second.messages.map((m) => m.content)).toEqual([
      'I am [EMAIL_1], IBAN [IBAN_1]',
      'Noted, [EMAIL_1].',
      'also [EMAIL_2] and [IBAN_1]',
    ]);
    expect(Object.keys(second.mapping).sort()).toEqual(['[EMAIL_1]', '[EMAIL_2]', '[IBAN_1]']);
  });

  it('does not mutate the input map or messages and the map is plain JSON', () => {
    const filter = createPrivacyFilter();
    const mapping = { '[EMAIL_1]': 'bob@example.com' };
    const messages = [user('ssn 123-45-6789, ip 10.1.2.3')];
    const r = filter.protect(messages, mapping);
    expect(mapping).toEqual({ '[EMAIL_1]': 'bob@example.com' });
    expect(messages[0].content).toBe('ssn 123-45-6789, ip 10.1.2.3');
    expect(r.messages[0].content).toBe('ssn [SSN_1], ip [IP_1]');
    expect(JSON.parse(JSON.stringify(r.mapping))).toEqual(r.mapping);
  });

  it('continues numbering after the highest existing placeholder', () => {
    const r = createPrivacyFilter().protect([user('x@example.com')], { '[EMAIL_3]': 'old@example.com' });
    expect(r.messages[0].content).toBe('[EMAIL_4]');
  });

  it('re-protects assistant history that was re-identified for the user', () => {
    const filter = createPrivacyFilter();
    const turn1 = filter.protect([user('my card is 5555-5555-5555-4444')], {});
    const answer = reidentify('I will not store [CARD_1].', turn1.mapping);
    expect(answer).toBe('I will not store 5555-5555-5555-4444.');
    const turn2 = filter.protect(
      [...turn1.messages.map(() => user('my card is 5555-5555-5555-4444')), assistant(answer), user('thanks')],
      turn1.mapping,
    );
    expect(turn2.messages[1].content).toBe('I will not store [CARD_1].');
  });

  it('redacts irreversibly when the policy says redact', () => {
    const filter = createPrivacyFilter({ email: 'redact', phone: 'allow' });
    const r = filter.protect([user('bob@example.com +44 20 7946 0958')], {});
    expect(r.messages[0].content).toBe('[REDACTED_EMAIL] +44 20 7946 0958');
    expect(r.mapping).toEqual({});
    expect(r.counts).toEqual({ email: 1 });
  });

  it('blocks a secret in a user message with a 422 that names the kind and never the value', () => {
    const error = blockedError(() => createPrivacyFilter().protect([user(`here is my key ${OPENAI_KEY}`)], {}));
    expect(error.code).toBe('content_blocked');
    expect(error.status).toBe(422);
    expect(error.param).toBe('messages');
    expect(error.message).toBe(
      'Your message contains a secret (an OpenAI API key). Remove it and send again; secrets are ' +
        'never forwarded to the model.',
    );
    expect(error.message).not.toContain(OPENAI_KEY);
  });

  it('names every kind of secret found', () => {
    const error = blockedError(() =>
      createPrivacyFilter().protect([user(`${OPENAI_KEY} and ghp_1A2b3C4d5E6f7G8h9I0jK1lM2nO3pQ4rS5tU`)], {}),
    );
    expect(error.message).toContain('secrets (an OpenAI API key and a GitHub token)');
  });

  it('blocks personal data when configured, with a personal-data wording', () => {
    const error = blockedError(() => createPrivacyFilter({ ssn: 'block' }).protect([user('ssn 123-45-6789')], {}));
    expect(error.message).toBe(
      'Your message contains a US social security number, which this service is configured not ' +
        'to forward. Remove it and send again.',
    );
  });

  it('redacts (does not throw for) block categories in assistant history', () => {
    const r = createPrivacyFilter().protect([assistant(`an example key: ${OPENAI_KEY}`), user('ok')], {});
    expect(r.messages[0].content).toBe('an example key: [REDACTED_OPENAI_KEY]');
  });

  it('lets secrets through only when the policy allows them', () => {
    const r = createPrivacyFilter({ openai_key: 'allow' }).protect([user(OPENAI_KEY)], {});
    expect(r.messages[0].content).toBe(OPENAI_KEY);
  });

  it('round-trips through the streaming re-identifier', () => {
    const r = createPrivacyFilter().protect([user('write to bob@example.com from 192.168.0.7')], {});
    const re = createReidentifier(r.mapping);
    const text = r.messages[0].content;
    const out = [...text].map((ch) => re.push(ch)).join('') + re.flush();
    expect(out).toBe('write to bob@example.com from 192.168.0.7');
  });
});
