// The answer pipeline: output content policy first (it sees only placeholders), then re-identification.

import type { GuardEvent, OutputPolicy } from '../safety/output-policy.js';
import { compileOutputPolicy, createOutputGuard, outputBlockedError } from '../safety/index.js';
import { createReidentifier } from '../privacy/index.js';
import type { AnswerContext, AnswerTransform, AnswerTransformFactory } from './hooks.js';

/** Builds the factory once at start-up; each answer gets fresh guard and re-identifier state. */
export function createAnswerTransforms(options: {
  output?: OutputPolicy;
  onGuardEvent?: (event: GuardEvent, context: AnswerContext) => void;
}): AnswerTransformFactory | undefined {
  const policy = options.output && options.output.rules.length > 0 ? compileOutputPolicy(options.output) : undefined;
  if (!policy) {
    return ({ mapping }) => (Object.keys(mapping).length > 0 ? createReidentifier(mapping) : undefined);
  }
  return (context): AnswerTransform => {
    const { mapping } = context;
    const guard = createOutputGuard(policy);
    const restore = Object.keys(mapping).length > 0 ? createReidentifier(mapping) : undefined;
    const report = (result: { text: string; events: GuardEvent[]; blocked?: { category: string } }): string => {
      for (const event of result.events) options.onGuardEvent?.(event, context);
      if (result.blocked) throw outputBlockedError();
      return restore ? restore.push(result.text) : result.text;
    };
    return {
      push: (text) => report(guard.push(text)),
      flush: () => {
        const tail = report(guard.flush());
        return restore ? tail + restore.flush() : tail;
      },
    };
  };
}
