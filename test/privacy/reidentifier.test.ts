// Streaming re-identification, including placeholders split at every possible position.

import { describe, expect, it } from 'vitest';
import { createReidentifier, reidentify } from '../../src/privacy/reidentifier.js';

const mapping = { '[EMAIL_1]': 'bob@example.com', '[PHONE_12]': '+44 20 7946 0958', '[CARD_1]': '4111 1111 1111 1111' };

function run(chunks: string[], map: Record<string, string> = mapping): { out: string; pieces: string[] } {
  const r = createReidentifier(map);
  const pieces = chunks.map((c) => r.push(c));
  pieces.push(r.flush());
  return { out: pieces.join(''), pieces };
}

describe('createReidentifier', () => {
  const text = 'Write to [EMAIL_1] or call [PHONE_12]; card [CARD_1] ends here [EMAIL_1]';
  const expected =
    'Write to bob@example.com or call +44 20 7946 0958; card 4111 1111 1111 1111 ends here bob@example.com';

  it('restores placeholders split into two chunks at every position', () => {
    for (let i = 0; i <= text.length; i++) {
      expect(run([text.slice(0, i), text.slice(i)]).out, `split at ${i}`).toBe(expected);
    }
  });

  it('restores placeholders split into three chunks at every pair of positions inside a placeholder', () => {
    const p = '[PHONE_12]';
    const t = `a ${p} b`;
    for (let i = 2; i <= 2 + p.length; i++) {
      for (let j = i; j <= 2 + p.length; j++) {
        expect(run([t.slice(0, i), t.slice(i, j), t.slice(j)]).out).toBe('a +44 20 7946 0958 b');
      }
    }
  });

  it('restores character by character', () => {
    expect(run([...text]).out).toBe(expected);
  });

  it('emits text that cannot be a placeholder immediately', () => {
    const { pieces } = run(['Hello [EMA', 'IL_1] and [link](x) [', 'x]']);
    expect(pieces[0]).toBe('Hello ');
    expect(pieces[1]).toBe('bob@example.com and [link](x) ');
    expect(pieces[2]).toBe('[x]');
  });

  it('passes unknown placeholders and lookalikes through unchanged', () => {
    expect(run(['see [EMAIL_9] and [EMAIL_1', 'x] and [CARD_'], mapping).out).toBe(
      'see [EMAIL_9] and [EMAIL_1x] and [CARD_',
    );
  });

  it('holds back at most one placeholder length', () => {
    const r = createReidentifier(mapping);
    expect(r.push('abc [PHONE_1')).toBe('abc ');
    expect(r.push('3]')).toBe('[PHONE_13]');
    expect(r.flush()).toBe('');
  });

  it('is a pass-through when the session has no pseudonyms', () => {
    const r = createReidentifier({});
    expect(r.push('[EMA')).toBe('[EMA');
    expect(r.flush()).toBe('');
  });

  it('reidentify replaces known placeholders in a whole text', () => {
    expect(reidentify('[EMAIL_1], [EMAIL_2]', mapping)).toBe('bob@example.com, [EMAIL_2]');
  });
});
