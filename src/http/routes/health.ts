// Liveness and readiness: the only routes that answer without a credential.

import type { ParleyApp } from '../request-context.js';

/** `/healthz` is alive while the process runs; `/readyz` turns 503 while draining or not yet ready. */
export function registerHealthRoutes(
  app: ParleyApp,
  deps: { isReady: () => boolean; demoMode: boolean; notReadyStatus?: () => string },
): void {
  app.get(
    '/healthz',
    { config: { public: true }, schema: { tags: ['operations'], summary: 'Liveness' } },
    async () => ({ status: 'ok' }),
  );
  app.get(
    '/readyz',
    {
      config: { public: true },
      schema: {
        tags: ['operations'],
        summary: 'Readiness (503 while starting, draining or a shared store is unreachable)',
      },
    },
    async (_request, reply) => {
      if (!deps.isReady()) return reply.code(503).send({ status: deps.notReadyStatus?.() ?? 'draining' });
      return { status: 'ready', demo: deps.demoMode };
    },
  );
}
