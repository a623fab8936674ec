// Administration over HTTP: API keys (create, list, rotate, revoke), purging any session, login-link exchange.

import { Type } from 'typebox';
import { ParleyError, type Role } from '../../domain/index.js';
import type { AuditEventInput } from '../../audit/audit-event.js';
import type { KeyRecord, KeyStore } from '../../security/key-store.js';
import type { LoginLinks } from '../../security/login-links.js';
import { parseKeyDuration } from '../../security/duration.js';
import { principalOf, type ParleyApp } from '../request-context.js';
import { ErrorEnvelope } from '../schemas.js';

export interface AdminDeps {
  keyStore: KeyStore;
  loginLinks: LoginLinks;
  audit(event: AuditEventInput): void;
  /** Purges a session whoever owns it; false when it does not exist. */
  purgeSession(id: string, requestId: string): Promise<boolean>;
}

const errors = { '4xx': ErrorEnvelope, '5xx': ErrorEnvelope };
const RoleSchema = Type.Enum(['user', 'auditor', 'admin']);
const Duration = Type.String({ pattern: '^[0-9]+(ms|s|m|h|d)$', description: 'A duration like 30d or 12h.' });
const IdParams = Type.Object({ id: Type.String({ maxLength: 128 }) });
const KeyView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  role: Type.String(),
  owner: Type.String(),
  state: Type.String({ description: 'active, expiring or revoked.' }),
  createdAt: Type.Optional(Type.String({ format: 'date-time' })),
  expiresAt: Type.Optional(Type.String({ format: 'date-time' })),
  graceUntil: Type.Optional(Type.String({ format: 'date-time' })),
  replacedBy: Type.Optional(Type.String()),
});
const IssuedKey = Type.Object({
  key: KeyView,
  secret: Type.String({ description: 'Shown once; store it now.' }),
  previous: Type.Optional(KeyView),
});

/** A key record as the API shows it (there is no secret to show). */
function keyView(k: KeyRecord) {
  const iso = (t?: number) => (t === undefined ? undefined : new Date(t).toISOString());
  return {
    id: k.id,
    name: k.name,
    role: k.role,
    owner: k.owner,
    state: k.state,
    createdAt: iso(k.createdAt),
    expiresAt: iso(k.expiresAt),
    graceUntil: iso(k.graceUntil),
    replacedBy: k.replacedBy,
  };
}

/** Registers /v1/admin/* (admin only) and the public login-link exchange. */
export function registerAdminRoutes(app: ParleyApp, deps: AdminDeps): void {
  const audited = (
    request: Parameters<typeof principalOf>[0],
    action: string,
    resource: string,
    details?: Record<string, string | number | boolean>,
  ) => {
    const p = principalOf(request);
    deps.audit({
      requestId: request.id,
      principalId: p.id,
      role: p.role,
      action,
      resource,
      outcome: 'success',
      clientAddress: request.ip,
      details,
    });
  };
  const manage = { config: { permission: 'keys:manage' as const } };

  app.get(
    '/v1/admin/keys',
    {
      ...manage,
      schema: {
        tags: ['admin'],
        summary: 'List API keys (never their secrets)',
        response: { 200: Type.Object({ object: Type.Literal('list'), data: Type.Array(KeyView) }), ...errors },
      },
    },
    async () => ({
      object: 'list' as const,
      data: (await deps.keyStore.list()).map(keyView),
    }),
  );

  app.post(
    '/v1/admin/keys',
    {
      ...manage,
      schema: {
        tags: ['admin'],
        summary: 'Create an API key; the secret is returned once',
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 100 }),
            role: RoleSchema,
            owner: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
            expiresIn: Type.Optional(Duration),
          },
          { additionalProperties: false },
        ),
        response: { 201: IssuedKey, ...errors },
      },
    },
    async (request, reply) => {
      const { name, role, owner, expiresIn } = request.body;
      const issued = await deps.keyStore.create({
        name,
        role: role as Role,
        owner,
        expiresAt: expiresIn ? Date.now() + parseKeyDuration(expiresIn, 'expiresIn') : undefined,
      });
      audited(request, 'key.created', `key:${issued.record.id}`, { role });
      return reply.code(201).send({ key: keyView(issued.record), secret: issued.secret });
    },
  );

  app.post(
    '/v1/admin/keys/:id/rotate',
    {
      ...manage,
      schema: {
        tags: ['admin'],
        summary: 'Issue a replacement; the old key works until the grace period ends',
        params: IdParams,
        body: Type.Optional(Type.Object({ grace: Type.Optional(Duration) }, { additionalProperties: false })),
        response: { 200: IssuedKey, ...errors },
      },
    },
    async (request) => {
      const graceMs = parseKeyDuration(request.body?.grace ?? '24h', 'grace');
      const rotated = await deps.keyStore.rotate(request.params.id, graceMs);
      audited(request, 'key.rotated', `key:${request.params.id}`, { replacedBy: rotated.record.id, graceMs });
      return { key: keyView(rotated.record), secret: rotated.secret, previous: keyView(rotated.previous) };
    },
  );

  app.post(
    '/v1/admin/keys/:id/revoke',
    {
      ...manage,
      schema: {
        tags: ['admin'],
        summary: 'Revoke a key at once',
        params: IdParams,
        response: { 200: KeyView, ...errors },
      },
    },
    async (request) => {
      const record = await deps.keyStore.revoke(request.params.id);
      audited(request, 'key.revoked', `key:${record.id}`);
      return keyView(record);
    },
  );

  app.delete(
    '/v1/admin/sessions/:id',
    {
      config: { permission: 'sessions:purge-any' },
      schema: {
        tags: ['admin'],
        summary: "Purge any principal's session at once",
        params: IdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      if (!(await deps.purgeSession(request.params.id, request.id)))
        throw new ParleyError('not_found', 'No session with this id exists.');
      audited(request, 'session.purged', `session:${request.params.id}`);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/v1/auth/exchange',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        summary: 'Trade a one-time login link token for a 12-hour admin key (web sign-in)',
        body: Type.Object({ token: Type.String({ minLength: 10, maxLength: 128 }) }, { additionalProperties: false }),
        response: {
          200: Type.Object({ apiKey: Type.String(), expiresAt: Type.String({ format: 'date-time' }) }),
          ...errors,
        },
      },
    },
    async (request) => {
      if (!(await deps.loginLinks.redeem(request.body.token))) {
        deps.audit({
          requestId: request.id,
          action: 'auth.failure',
          outcome: 'failure',
          clientAddress: request.ip,
          details: { reason: 'login-link' },
        });
        throw new ParleyError(
          'unauthorized',
          'This login link is invalid, expired or already used. Sign in with an API key (parley keys create).',
        );
      }
      const expiresAt = Date.now() + 12 * 3_600_000;
      const issued = await deps.keyStore.create({
        name: 'web sign-in (login link)',
        role: 'admin',
        owner: 'admin',
        expiresAt,
      });
      deps.audit({
        requestId: request.id,
        principalId: issued.record.id,
        role: 'admin',
        action: 'key.created',
        outcome: 'success',
        resource: `key:${issued.record.id}`,
        clientAddress: request.ip,
        details: { reason: 'login-link' },
      });
      return { apiKey: issued.secret, expiresAt: new Date(expiresAt).toISOString() };
    },
  );
}
