import { describe, expect, it } from 'vitest';
import type { Principal } from '../../src/domain/index.js';
import { ParleyError } from '../../src/domain/index.js';
import { can, PERMISSIONS, requirePermission, rolesWith } from '../../src/security/roles.js';

const principal = (role: Principal['role'], via: Principal['via'] = 'api-key'): Principal => ({
  id: 'key_x',
  role,
  via,
  scope: 'key_x',
});

describe('roles', () => {
  it('grants users chat and their own sessions only', () => {
    expect(PERMISSIONS.filter((p) => can('user', p))).toEqual(['chat', 'sessions:own']);
  });
  it('grants auditors audit and metrics reading, not chat', () => {
    expect(PERMISSIONS.filter((p) => can('auditor', p))).toEqual(['audit:read', 'metrics:read']);
  });
  it('grants admins everything', () => {
    expect(PERMISSIONS.every((p) => can('admin', p))).toBe(true);
  });
  it('names the roles that would do', () => {
    expect(rolesWith('audit:read')).toEqual(['auditor', 'admin']);
    expect(rolesWith('keys:manage')).toEqual(['admin']);
  });
  it('requirePermission throws a 403 that says what is needed', () => {
    expect(() => requirePermission(principal('admin'), 'keys:manage')).not.toThrow();
    try {
      requirePermission(principal('user'), 'audit:read');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ParleyError);
      expect((error as ParleyError).status).toBe(403);
      expect((error as ParleyError).code).toBe('forbidden');
      expect((error as ParleyError).message).toBe('This key has role "user"; audit:read needs role auditor or admin');
    }
    expect(() => requirePermission(principal('auditor', 'oidc'), 'chat')).toThrow(
      'This token has role "auditor"; chat needs role user or admin',
    );
  });
  it('refuses an unknown role at runtime', () => {
    expect(can('root' as Principal['role'], 'chat')).toBe(false);
  });
});
