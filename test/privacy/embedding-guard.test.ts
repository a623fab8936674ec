// The embeddings privacy guard: the chat policy with pseudonymise turned into redact, blocks named for `input`.

import { describe, expect, it } from 'vitest';
import { createEmbeddingGuard } from '../../src/privacy/index.js';
import { ALL_CATEGORIES } from '../../src/privacy/types.js';

describe('createEmbeddingGuard', () => {
  it('redacts what chat would pseudonymise (built-in and custom), keeps redact, and counts', () => {
    const guard = createEmbeddingGuard({}, { custom: [{ name: 'employee_id', pattern: 'EMP-\\d{4}' }] });
    const { texts, counts } = guard.protect(['mail ann@example.org about EMP-1234', 'nothing here']);
    expect(texts[0]).toBe('mail [REDACTED_EMAIL] about [REDACTED_EMPLOYEE_ID]');
    expect(texts[1]).toBe('nothing here');
    expect(counts).toEqual({ email: 1 });
    expect(guard.scans).toBe(true);
  });

  it('refuses block findings with content_blocked naming input', () => {
    const guard = createEmbeddingGuard();
    let error: unknown;
    try {
      guard.protect([`token ghp_${'a1B2c3D4e5'.repeat(4)}`]);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'content_blocked', param: 'input' });
    expect((error as Error).message).toMatch(/^Your input contains a secret/);
  });

  it('scans nothing when every category is allow and no custom recognizer is active', () => {
    const allow = Object.fromEntries(ALL_CATEGORIES.map((c) => [c, 'allow' as const]));
    expect(createEmbeddingGuard(allow).scans).toBe(false);
    expect(createEmbeddingGuard(allow, { custom: [{ name: 'code_name', terms: ['bluebird'] }] }).scans).toBe(true);
    expect(
      createEmbeddingGuard(allow, { custom: [{ name: 'code_name', terms: ['bluebird'], action: 'allow' }] }).scans,
    ).toBe(false);
    expect(createEmbeddingGuard(allow).protect(['ann@example.org']).texts).toEqual(['ann@example.org']);
  });
});
