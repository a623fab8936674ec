// GET /v1/models and /v1/models/{id}: the configured model aliases in OpenAI's format, with their capabilities.

import { ParleyError } from '../../domain/index.js';
import type { ChatService } from '../../chat/chat-service.js';
import type { ParleyApp } from '../request-context.js';
import { ErrorEnvelope, type Schemas } from '../schemas.js';

/** Registers the model listing; the list is built once because configuration is frozen. */
export function registerModelRoutes(
  app: ParleyApp,
  deps: { chat: ChatService; schemas: Schemas; startedAt: number },
): void {
  const created = Math.floor(deps.startedAt / 1000);
  const models = deps.chat.modelNames().map((id) => {
    const capabilities = deps.chat.resolveModel(id).config.capabilities;
    return {
      id,
      object: 'model' as const,
      created,
      owned_by: 'parley',
      ...(capabilities !== undefined ? { capabilities: [...capabilities] } : {}),
    };
  });
  const list = { object: 'list' as const, data: models };

  app.get(
    '/v1/models',
    {
      config: { permission: 'chat' },
      schema: {
        tags: ['openai'],
        summary: 'List models',
        response: { 200: deps.schemas.ModelList, '4xx': ErrorEnvelope },
      },
    },
    async () => list,
  );

  app.get(
    '/v1/models/:model',
    {
      config: { permission: 'chat' },
      schema: {
        tags: ['openai'],
        summary: 'Retrieve a model',
        params: deps.schemas.ModelParams,
        response: { 200: deps.schemas.Model, '4xx': ErrorEnvelope },
      },
    },
    async (request) => {
      const name = request.params.model;
      const model = models.find((m) => m.id === name);
      if (!model)
        throw new ParleyError(
          'model_not_found',
          `The model "${name}" does not exist. Available models: ${deps.chat.modelNames().join(', ')}.`,
          { param: 'model' },
        );
      return model;
    },
  );
}
