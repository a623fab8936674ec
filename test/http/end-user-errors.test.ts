// Routing details reach admins only: everyone else gets the same code, status and Retry-After in plain words.

import { describe, expect, it } from 'vitest';
import { ParleyError, type Principal } from '../../src/domain/index.js';
import { errorForCaller } from '../../src/http/end-user-errors.js';

const user = { id: 'u', role: 'user' } as Principal;
const admin = { id: 'a', role: 'admin' } as Principal;

describe('errorForCaller', () => {
  it('replaces a circuit message for a user, keeping code, status and Retry-After, and returns the detail for the log', () => {
    const original = new ParleyError(
      'circuit_open',
      'The circuit of openai/gpt-4o-mini key main#0 is open; retry in 9 s',
      { retryAfterMs: 9_000 },
    );
    const { error, detail } = errorForCaller(original, user);
    expect(error.message).toBe(
      'The AI model is busy or unavailable right now. Retry after the time given in Retry-After.',
    );
    expect(error).toMatchObject({ code: 'circuit_open', status: 503, retryAfterMs: 9_000 });
    expect(detail).toBe(original.message);
  });

  it('leaves the details to admins, and leaves errors without routing details alone', () => {
    const circuit = new ParleyError('circuit_open', 'The circuit of openai is open', { retryAfterMs: 1_000 });
    expect(errorForCaller(circuit, admin)).toEqual({ error: circuit });
    const limited = new ParleyError('rate_limited', 'Too many requests: 4 per minute.');
    expect(errorForCaller(limited, user)).toEqual({ error: limited });
  });
});
