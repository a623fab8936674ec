// Output guard: block/redact/flag on streamed answers, at every split point, and shadow mode.

import { describe, expect, it } from 'vitest';
import {
  compileOutputPolicy,
  createOutputGuard,
  type GuardEvent,
  type OutputPolicy,
} from '../../src/safety/output-policy.js';

const policy: OutputPolicy = {
  mode: 'enforce',
  holdBackChars: 24,
  rules: [
    { category: 'internal-codename', action: 'block', words: ['Project Nightjar'] },
    { category: 'credentials', action: 'redact', patterns: ['passw(?:or)?d\\s*[:=]\\s*\\S+'] },
    { category: 'competitor', action: 'flag', words: ['acme'] },
  ],
};

interface Run {
  text: string;
  events: GuardEvent[];
  blocked?: { category: string };
  pieces: string[];
}

function run(chunks: string[], p: OutputPolicy = policy): Run {
  const guard = createOutputGuard(compileOutputPolicy(p));
  const pieces: string[] = [];
  const events: GuardEvent[] = [];
  let blocked: { category: string } | undefined;
  for (const c of chunks) {
    const r = guard.push(c);
    pieces.push(r.text);
    events.push(...r.events);
    if (r.blocked) {
      blocked = r.blocked;
      break;
    }
  }
  if (!blocked) {
    const r = guard.flush();
    pieces.push(r.text);
    events.push(...r.events);
    blocked = r.blocked;
  }
  return { text: pieces.join(''), events, blocked, pieces };
}

const splits = (text: string): string[][] => {
  const out: string[][] = [];
  for (let i = 0; i <= text.length; i++) out.push([text.slice(0, i), text.slice(i)]);
  return out;
};

describe('createOutputGuard (enforce)', () => {
  const blockedText = 'The plan for project   nightjar launches on Monday. More text follows here.';

  it('never emits blocked text, for every split point', () => {
    for (const chunks of splits(blockedText)) {
      const r = run(chunks);
      expect(r.blocked, chunks.join('|')).toEqual({ category: 'internal-codename' });
      expect(r.text.toLowerCase()).not.toContain('nightjar');
      expect(r.text.toLowerCase()).not.toContain('project');
    }
  });

  it('never emits blocked text when streamed character by character or in 3-char chunks', () => {
    for (const size of [1, 3, 7]) {
      const chunks = blockedText.match(new RegExp(`[\\s\\S]{1,${size}}`, 'g')) ?? [];
      const r = run(chunks);
      expect(r.blocked).toEqual({ category: 'internal-codename' });
      expect(r.text.toLowerCase()).not.toContain('nightjar');
      expect(r.events).toEqual([{ category: 'internal-codename', action: 'block', shadow: false }]);
    }
  });

  it('blocks a match at the very end of the stream on flush', () => {
    const r = run(['we call it Project Night', 'jar']);
    expect(r.blocked).toEqual({ category: 'internal-codename' });
    expect(r.text).not.toContain('Night');
  });

  it('does not block a longer word that merely starts with the phrase', () => {
    const r = run(['Project Nightjar', 's are birds, not plans.']);
    expect(r.blocked).toBeUndefined();
    expect(r.text).toBe('Project Nightjars are birds, not plans.');
  });

  it('redacts a match at every split point and reports it once', () => {
    const text = 'Login with password: hunter2 and then change it.';
    for (const chunks of splits(text)) {
      const r = run(chunks);
      expect(r.text).toBe('Login with [removed] and then change it.');
      expect(r.events).toEqual([{ category: 'credentials', action: 'redact', shadow: false }]);
    }
  });

  it('flags without changing the text, once per match', () => {
    const text = 'Unlike ACME, we stream. Acme again.';
    for (const chunks of splits(text)) {
      const r = run(chunks);
      expect(r.text).toBe(text);
      expect(r.events.filter((e) => e.action === 'flag')).toHaveLength(2);
    }
  });

  it('releases text as soon as it is outside the hold-back window', () => {
    const guard = createOutputGuard(compileOutputPolicy(policy));
    const first = guard.push('x'.repeat(30));
    expect(first.text).toBe('x'.repeat(6));
    expect(guard.push('y').text).toBe('x');
    expect(guard.flush().text).toBe('x'.repeat(23) + 'y');
  });

  it('emits nothing after a block', () => {
    const guard = createOutputGuard(compileOutputPolicy(policy));
    expect(guard.push('Project Nightjar!').blocked).toEqual({ category: 'internal-codename' });
    expect(guard.push('more')).toEqual({ text: '', events: [], blocked: { category: 'internal-codename' } });
    expect(guard.flush().text).toBe('');
  });

  it('passes through untouched with no rules', () => {
    const guard = createOutputGuard(compileOutputPolicy({ mode: 'enforce', rules: [] }));
    expect(guard.push('abc').text).toBe('abc');
  });
});

describe('createOutputGuard (shadow)', () => {
  const shadow: OutputPolicy = { ...policy, mode: 'shadow' };

  it('passes every chunk through at once and reports what would have happened', () => {
    const text = 'acme said password=abc then Project Nightjar leaked, more text after that.';
    for (const chunks of splits(text)) {
      const r = run(chunks, shadow);
      expect(r.pieces.slice(0, chunks.length)).toEqual(chunks);
      expect(r.text).toBe(text);
      expect(r.blocked).toBeUndefined();
      expect(r.events).toEqual([
        { category: 'competitor', action: 'flag', shadow: true },
        { category: 'credentials', action: 'redact', shadow: true },
        { category: 'internal-codename', action: 'block', shadow: true },
      ]);
    }
  });
});

describe('compileOutputPolicy', () => {
  it('names the rule with an invalid pattern', () => {
    expect(() =>
      compileOutputPolicy({ mode: 'enforce', rules: [{ category: 'x', action: 'block', patterns: ['(unclosed'] }] }),
    ).toThrow(/rule 0 \(category "x"\): invalid pattern/);
  });
  it('rejects empty rules, bad actions, bad modes and bad windows', () => {
    expect(() => compileOutputPolicy({ mode: 'enforce', rules: [{ category: 'x', action: 'flag' }] })).toThrow(
      /at least one/,
    );
    expect(() =>
      compileOutputPolicy({ mode: 'enforce', rules: [{ category: 'x', action: 'drop' as 'flag', words: ['a'] }] }),
    ).toThrow(/action/);
    expect(() => compileOutputPolicy({ mode: 'loud' as 'enforce', rules: [] })).toThrow(/mode/);
    expect(() => compileOutputPolicy({ mode: 'enforce', rules: [], holdBackChars: -1 })).toThrow(/holdBackChars/);
  });
  it('matches words whole and case-insensitively, including non-ASCII words', () => {
    const p: OutputPolicy = { mode: 'enforce', rules: [{ category: 'w', action: 'redact', words: ['Straße', 'foo'] }] };
    expect(run(['STRASSE straße Straßen food FOO'], p).text).toBe('STRASSE [removed] Straßen food [removed]');
  });
});

describe('outputBlockedError', () => {
  it('is a content_blocked 422 that does not name the rule', async () => {
    const { outputBlockedError } = await import('../../src/safety/output-policy.js');
    const e = outputBlockedError();
    expect(e.code).toBe('content_blocked');
    expect(e.status).toBe(422);
    expect(e.message).not.toContain('internal-codename');
  });
});
