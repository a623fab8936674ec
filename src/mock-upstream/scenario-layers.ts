// The scenario of one model request: server scenario, then key, model and x-mock-scenario layers, and its fault scope.

import type { IncomingMessage } from 'node:http';
import type { ChatContext } from './chat-handler.js';
import { mergeScenario, parseScenario } from './scenario.js';
import type { Scenario } from './scenario.js';
import type { Dialect, Failure } from './wire.js';

/**
 * The merged scenario and the scope its `failFirst` / `errorRates` count in, or the 400 for a bad `x-mock-scenario`.
 */
export type ResolvedScenario = { scenario: Scenario; scope: string } | { failure: Failure };

/** Layers the request's scenario (see `Scenario`); shared by the chat and embeddings handlers. */
export function resolveScenario(
  ctx: ChatContext,
  dialect: Dialect,
  req: IncomingMessage,
  body: unknown,
): ResolvedScenario {
  const rawOverride = req.headers['x-mock-scenario'];
  let override: Partial<Scenario> | undefined;
  if (typeof rawOverride === 'string') {
    try {
      override = parseScenario(JSON.parse(rawOverride));
    } catch (error) {
      const message = `x-mock-scenario: ${error instanceof Error ? error.message : String(error)}`;
      return { failure: { status: 400, message, code: 'mock_bad_scenario' } };
    }
  }
  const key = dialect.apiKey(req.headers);
  const keyLayer = key === undefined ? undefined : ctx.keyScenarios.get(key);
  const model = typeof body === 'object' && body !== null && 'model' in body ? String(body.model) : undefined;
  const modelLayer = model === undefined ? undefined : ctx.modelScenarios.get(model);
  const base = ctx.baseScenario();
  const scenario =
    override === undefined && keyLayer === undefined && modelLayer === undefined
      ? base
      : mergeScenario(base, keyLayer, modelLayer, override);
  const scope =
    override !== undefined
      ? `h:${rawOverride as string}`
      : modelLayer !== undefined
        ? `m:${model as string}`
        : keyLayer !== undefined
          ? `k:${key as string}`
          : 'base';
  return { scenario, scope };
}
