// Operations endpoints beyond health: Prometheus metrics and the auditors' view of the audit trail.

import { Type } from 'typebox';
import { ParleyError } from '../../domain/index.js';
import type { AuditEventLine } from '../../audit/audit-event.js';
import type { AuditQuery } from '../../audit/query.js';
import type { ParleyApp } from '../request-context.js';
import { ErrorEnvelope } from '../schemas.js';

export interface OperationsDeps {
  renderMetrics(): Promise<string>;
  metricsContentType: string;
  queryAudit(filters: AuditQuery): Promise<AuditEventLine[]>;
  /** Writes queued audit events so a query sees them. */
  flushAudit(): Promise<void>;
}

const AuditFilters = Type.Object(
  {
    since: Type.Optional(Type.String({ format: 'date-time', description: 'Only events at or after this time.' })),
    until: Type.Optional(Type.String({ format: 'date-time', description: 'Only events before this time.' })),
    action: Type.Optional(
      Type.String({ maxLength: 64, description: "An action, or a prefix ending in '.' (e.g. key.)." }),
    ),
    principalId: Type.Optional(Type.String({ maxLength: 128 })),
    outcome: Type.Optional(Type.Enum(['success', 'failure', 'denied'])),
    limit: Type.Optional(
      Type.String({ pattern: '^[0-9]{1,5}$', description: 'Most recent N events (default 100, at most 10000).' }),
    ),
  },
  { additionalProperties: false },
);

/** Registers /metrics (auditor, admin) and /v1/audit (auditor, admin). */
export function registerOperationsRoutes(app: ParleyApp, deps: OperationsDeps): void {
  app.get(
    '/metrics',
    {
      config: { permission: 'metrics:read' },
      schema: { tags: ['operations'], summary: 'Prometheus metrics (roles auditor, admin)' },
    },
    async (_request, reply) => {
      const body = await deps.renderMetrics();
      return reply.header('content-type', deps.metricsContentType).send(body);
    },
  );

  app.get(
    '/v1/audit',
    {
      config: { permission: 'audit:read' },
      schema: {
        tags: ['operations'],
        summary: 'Read the audit trail with filters (roles auditor, admin)',
        querystring: AuditFilters,
        response: {
          200: Type.Object({
            object: Type.Literal('list'),
            data: Type.Array(Type.Object({}, { additionalProperties: true })),
          }),
          '4xx': ErrorEnvelope,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const limit = q.limit === undefined ? 100 : Number(q.limit);
      if (limit > 10_000) throw new ParleyError('invalid_request', 'limit must be at most 10000.', { param: 'limit' });
      await deps.flushAudit();
      const data = await deps.queryAudit({
        since: q.since,
        until: q.until,
        action: q.action,
        principalId: q.principalId,
        outcome: q.outcome as AuditQuery['outcome'],
        limit,
      });
      return { object: 'list' as const, data };
    },
  );
}
