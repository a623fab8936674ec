// The mock's deterministic embeddings: unit vectors seeded by the input, shortened and renormalised as OpenAI does.

import { createHash } from 'node:crypto';

/**
 * The native vector size of a mock embedding model (3072 for names with "large", else 1536, as OpenAI's
 * text-embedding-3 models).
 */
export function nativeDimensions(model: string): number {
  return model.includes('large') ? 3072 : 1536;
}

/** True for models that refuse `dimensions` (OpenAI's text-embedding-ada-002). */
export function fixedDimensions(model: string): boolean {
  return model.includes('ada-002');
}

/** Input tokens the mock reports: a token array's length, or about four characters per token of a text. */
export function mockInputTokens(input: string | readonly number[]): number {
  return typeof input === 'string' ? Math.max(1, Math.ceil(input.length / 4)) : input.length;
}

/**
 * The vector of one input for `model`: float32 values from a generator seeded by SHA-256 of the model and
 * the input, of unit length at the native size, then cut to `dimensions` and renormalised (OpenAI's
 * shortening). Same input, same vector; values are float32, so the base64 form decodes to exactly these.
 */
export function mockEmbedding(model: string, input: string | readonly number[], dimensions?: number): number[] {
  const seed = createHash('sha256')
    .update(model)
    .update('\0')
    .update(typeof input === 'string' ? `t:${input}` : `k:${input.join(',')}`)
    .digest();
  let state = seed.readUInt32LE(0) || 1;
  const native = nativeDimensions(model);
  const values = new Array<number>(native);
  for (let i = 0; i < native; i++) {
    // xorshift32: small, fast and deterministic.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    values[i] = state / 0x80000000 - 1;
  }
  const size = dimensions ?? native;
  const kept = values.slice(0, size);
  const norm = Math.sqrt(kept.reduce((sum, v) => sum + v * v, 0)) || 1;
  return kept.map((v) => Math.fround(v / norm));
}

/** A vector as OpenAI's `encoding_format: "base64"` sends it: little-endian float32 bytes in base64. */
export function toBase64Float32(vector: readonly number[]): string {
  const bytes = Buffer.alloc(vector.length * 4);
  vector.forEach((v, i) => bytes.writeFloatLE(v, i * 4));
  return bytes.toString('base64');
}
