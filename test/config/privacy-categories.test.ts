import { describe, expect, it } from 'vitest';

describe('privacy categories', () => {
  it('config lists exactly the categories the privacy module detects', async () => {
    const { PRIVACY_CATEGORIES } = await import('../../src/config/schema.js');
    const { ALL_CATEGORIES } = await import('../../src/privacy/types.js');
    expect([...PRIVACY_CATEGORIES].sort()).toEqual([...ALL_CATEGORIES].sort());
  });
});
