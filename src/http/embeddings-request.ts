// OpenAI Embeddings request at the edge: the `input` forms, checked with messages that say what to fix.

import { ParleyError } from '../domain/index.js';
import type { EmbeddingInput } from '../domain/index.js';

/** OpenAI's limit on the inputs of one request. */
export const MAX_EMBEDDING_INPUTS = 2048;
/** OpenAI's limit on one input of its embedding models, in tokens (applied to token arrays as given). */
export const MAX_INPUT_TOKENS = 8192;
/** OpenAI's limit on the tokens of one request, summed over its inputs. */
export const MAX_REQUEST_TOKENS = 300_000;
/** The estimate of a text's tokens used against MAX_REQUEST_TOKENS before the provider counts them. */
export const estimateTokens = (text: string): number => Math.ceil(text.length / 4);

const invalid = (param: string, message: string): ParleyError => new ParleyError('invalid_request', message, { param });

const isTokenId = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0;

function checkTokens(tokens: unknown[], param: string): number[] {
  if (tokens.length === 0) throw invalid(param, `${param} is an empty token array; send at least one token.`);
  if (tokens.length > MAX_INPUT_TOKENS)
    throw invalid(
      param,
      `${param} has ${tokens.length} tokens; one input may have at most ${MAX_INPUT_TOKENS}. ` +
        `Split it into several inputs.`,
    );
  const bad = tokens.findIndex((t) => !isTokenId(t));
  if (bad >= 0)
    throw invalid(
      param,
      `${param}[${bad}] must be a token id (a non-negative integer); ` +
        `got a ${tokens[bad] === null ? 'null' : typeof tokens[bad]}.`,
    );
  return tokens as number[];
}

function checkText(text: string, param: string, maxChars: number): string {
  if (text === '') throw invalid(param, `${param} is an empty string; every input must have text.`);
  if (text.length > maxChars)
    throw invalid(
      param,
      `${param} has ${text.length} characters; one input may have at most ${maxChars} ` +
        `(limits.maxMessageChars). Shorten or split it.`,
    );
  return text;
}

function checkCount(count: number): void {
  if (count === 0) throw invalid('input', 'input is an empty array; send at least one input.');
  if (count > MAX_EMBEDDING_INPUTS)
    throw invalid(
      'input',
      `input has ${count} items; at most ${MAX_EMBEDDING_INPUTS} inputs are accepted per ` +
        `request. Send them in several requests.`,
    );
}

function checkTotal(tokens: number): void {
  if (tokens > MAX_REQUEST_TOKENS) {
    throw invalid(
      'input',
      `input has about ${tokens} tokens in all; one request may have at most ` +
        `${MAX_REQUEST_TOKENS}. Send the inputs in several requests.`,
    );
  }
}

/**
 * Reads OpenAI's `input`: a string, an array of strings, an array of token ids, or an array of token
 * arrays. Empty inputs, mixed arrays, more than 2048 inputs, a text over `maxChars`, a token array over
 * 8192 tokens and more than 300,000 tokens in all are refused with 400 naming the item.
 */
export function parseEmbeddingInput(input: unknown, maxChars: number): EmbeddingInput {
  if (typeof input === 'string') {
    const text = checkText(input, 'input', maxChars);
    checkTotal(estimateTokens(text));
    return { kind: 'text', texts: [text] };
  }
  if (!Array.isArray(input)) {
    throw invalid(
      'input',
      'input must be a string, an array of strings, an array of token ids (integers) or an array of token arrays.',
    );
  }
  const first: unknown = input[0];
  if (typeof first === 'number') {
    // One input given as token ids (its length is checked against the per-input token limit, not the input count).
    return { kind: 'tokens', tokens: [checkTokens(input as unknown[], 'input')] };
  }
  checkCount(input.length);
  if (typeof first === 'string') {
    let total = 0;
    const texts = input.map((item: unknown, i) => {
      if (typeof item !== 'string')
        throw invalid(
          `input[${i}]`,
          `input[${i}] must be a string like the other inputs; do not mix strings with other forms.`,
        );
      const text = checkText(item, `input[${i}]`, maxChars);
      total += estimateTokens(text);
      return text;
    });
    checkTotal(total);
    return { kind: 'text', texts };
  }
  if (Array.isArray(first)) {
    let total = 0;
    const tokens = input.map((item: unknown, i) => {
      if (!Array.isArray(item))
        throw invalid(
          `input[${i}]`,
          `input[${i}] must be a token array like the other inputs; do not mix token arrays with other forms.`,
        );
      const ids = checkTokens(item as unknown[], `input[${i}]`);
      total += ids.length;
      return ids;
    });
    checkTotal(total);
    return { kind: 'tokens', tokens };
  }
  throw invalid('input[0]', 'input[0] must be a string, a token id or a token array.');
}
