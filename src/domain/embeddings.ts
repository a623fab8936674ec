// Embedding requests and their one-event answer, routed by the same engine as chat answers.

/** What to embed: texts, or token arrays (token ids of the upstream model's tokenizer). */
export type EmbeddingInput = { kind: 'text'; texts: string[] } | { kind: 'tokens'; tokens: number[][] };

/** One embeddings call to one upstream model (the provider's own model id, not Parley's alias). */
export interface EmbeddingRequest {
  model: string;
  input: EmbeddingInput;
  /** How the vectors come back: arrays of numbers, or base64 of little-endian float32 (OpenAI's `encoding_format`). */
  encodingFormat: 'float' | 'base64';
  /** Shortened vectors (OpenAI's `dimensions`); absent: the model's native size. */
  dimensions?: number;
}

/** The vectors of one call, in input order, as the provider sent them (numbers, or base64 text). */
export interface EmbeddingResult {
  vectors: (number[] | string)[];
  /** Input tokens as the provider counted them. */
  inputTokens: number;
  /** The upstream model that answered, when it said. */
  model?: string;
}

/**
 * The event stream of an embeddings call: a single `finish` carrying the result (there is nothing
 * to stream), so the routing engine's rules (start gate, key settling, retry only before content)
 * apply unchanged. Failures are thrown, as for chat.
 */
export type EmbeddingEvent = { type: 'finish'; result: EmbeddingResult };
