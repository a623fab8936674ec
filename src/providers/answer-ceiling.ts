// Cuts an answer that runs far past its max_tokens (or the provider's ceiling): a runaway upstream cannot stream for
// ever.

import { ParleyError } from '../domain/index.js';
import type { CallOptions, ChatEvent, ChatRequest } from '../domain/index.js';
import type { ProviderModel } from './provider-model.js';

/** Characters allowed per token of the budget: about four times what a token holds in English text. */
export const CHARS_PER_TOKEN_CEILING = 16;

/** The default ceiling of an answer's tokens when the request sets no max_tokens. */
export const DEFAULT_MAX_ANSWER_TOKENS = 131_072;

/** The characters an answer to `request` may have before it is cut. */
export function answerCharLimit(request: ChatRequest, maxAnswerTokens: number): number {
  const asked = request.params.maxTokens;
  const tokens = asked !== undefined && asked > 0 ? Math.min(asked, maxAnswerTokens) : maxAnswerTokens;
  return tokens * CHARS_PER_TOKEN_CEILING;
}

function tooLong(limit: number, request: ChatRequest): ParleyError {
  const budget =
    request.params.maxTokens !== undefined
      ? `its max_tokens (${request.params.maxTokens})`
      : 'the ceiling providers[].limits.maxAnswerTokens';
  return new ParleyError(
    'upstream_answer_too_long',
    `The provider's answer ran past ${limit} characters, far beyond ${budget}; Parley stopped it`,
  );
}

/** Counts answer characters across events; throws once they pass the limit. */
class AnswerMeter {
  private chars = 0;
  constructor(
    private readonly limit: number,
    private readonly request: ChatRequest,
  ) {}
  add(event: ChatEvent): void {
    if (event.type !== 'text-delta') return;
    this.chars += event.text.length;
    if (this.chars > this.limit) throw tooLong(this.limit, this.request);
  }
}

/**
 * Wraps an adapter so that an answer longer than {@link answerCharLimit} ends with `upstream_answer_too_long`
 * (the events before the one that crossed the limit still go out; the upstream call is then abandoned).
 */
export function withAnswerCeiling(
  model: ProviderModel,
  maxAnswerTokens: number = DEFAULT_MAX_ANSWER_TOKENS,
): ProviderModel {
  const inner = model;
  async function* stream(request: ChatRequest, options: CallOptions): AsyncGenerator<ChatEvent> {
    const meter = new AnswerMeter(answerCharLimit(request, maxAnswerTokens), request);
    for await (const event of inner.stream(request, options)) {
      meter.add(event);
      yield event;
    }
  }
  const wrapped: ProviderModel = { ...inner, stream };
  const innerGroups = inner.streamGroups?.bind(inner);
  if (innerGroups !== undefined) {
    wrapped.streamGroups = async function* streamGroups(
      request: ChatRequest,
      options: CallOptions,
    ): AsyncGenerator<readonly ChatEvent[]> {
      const meter = new AnswerMeter(answerCharLimit(request, maxAnswerTokens), request);
      for await (const group of innerGroups(request, options)) {
        for (let i = 0; i < group.length; i++) {
          try {
            meter.add(group[i]);
          } catch (error) {
            if (i > 0) yield group.slice(0, i);
            throw error;
          }
        }
        yield group;
      }
    };
  }
  return wrapped;
}
