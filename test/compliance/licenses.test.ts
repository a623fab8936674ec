// License check over the installed production dependency tree, and the CycloneDX SBOM made by npm run sbom lists that
// tree.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { licenseAllowed, productionTree } from './dependency-tree.js';
import { readDoc, ROOT } from './doc-helpers.js';

const policy = JSON.parse(readDoc('docs/compliance/license-allowlist.json')) as {
  allowed: string[];
  exceptions: Record<string, string>;
};
const allowed = new Set(policy.allowed);

describe('licenses of production dependencies', () => {
  const tree = productionTree();

  it('reads the installed tree from the dependencies of package.json', () => {
    const names = new Set(tree.map((p) => p.name));
    for (const direct of ['fastify', 'pino', 'undici', 'jose']) expect(names.has(direct), direct).toBe(true);
    expect(names.has('vitest'), 'a devDependency is not part of the production tree').toBe(false);
  });

  it('every production dependency has a license on the allowlist', () => {
    const refused = tree
      .filter((p) => policy.exceptions[`${p.name}@${p.version}`] === undefined)
      .filter((p) => p.license === undefined || !licenseAllowed(p.license, allowed))
      .map((p) => `${p.name}@${p.version}: ${p.license ?? 'no license declared'}`);
    expect(
      refused,
      'review these licenses; allow them in docs/compliance/license-allowlist.json only with a reason',
    ).toEqual([]);
  });

  it('evaluates SPDX expressions: OR needs one allowed side, AND needs both', () => {
    const ok = new Set(['MIT', 'Apache-2.0']);
    expect(licenseAllowed('MIT', ok)).toBe(true);
    expect(licenseAllowed('(MIT OR GPL-3.0-only)', ok)).toBe(true);
    expect(licenseAllowed('MIT AND GPL-3.0-only', ok)).toBe(false);
    expect(licenseAllowed('(MIT AND Apache-2.0) OR AGPL-3.0-only', ok)).toBe(true);
    expect(licenseAllowed('GPL-3.0-only', ok)).toBe(false);
    expect(licenseAllowed('Apache-2.0 WITH LLVM-exception', ok)).toBe(true);
    expect(licenseAllowed('SEE LICENSE IN LICENSE.txt', ok)).toBe(false);
  });
});

describe('SBOM', () => {
  it('npm run sbom writes a valid CycloneDX document listing every production dependency with its license', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-sbom-'));
    try {
      const out = join(dir, 'sbom.cdx.json');
      const bin = join(ROOT, 'node_modules', '.bin', 'cyclonedx-npm');
      const script = (
        JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
      ).scripts.sbom;
      expect(script).toContain('--omit dev');
      const run = spawnSync(
        bin,
        ['--omit', 'dev', '--output-reproducible', '--validate', '--output-format', 'JSON', '--output-file', out],
        { cwd: ROOT, encoding: 'utf8' },
      );
      expect(run.status, run.stderr).toBe(0);
      const bom = JSON.parse(readFileSync(out, 'utf8')) as {
        bomFormat: string;
        specVersion: string;
        components: { name: string; group?: string; version: string; licenses?: unknown[]; components?: unknown[] }[];
      };
      expect(bom.bomFormat).toBe('CycloneDX');
      const listed = new Set<string>();
      const walk = (components: typeof bom.components): void => {
        for (const c of components) {
          listed.add(`${c.group ? `${c.group}/` : ''}${c.name}@${c.version}`);
          walk((c.components ?? []) as typeof bom.components);
        }
      };
      walk(bom.components);
      const absent = productionTree()
        .map((p) => `${p.name}@${p.version}`)
        .filter((id) => !listed.has(id));
      expect(absent, 'production packages missing from the SBOM').toEqual([]);
      expect(
        listed.has(
          'vitest@' +
            (JSON.parse(readFileSync(join(ROOT, 'node_modules/vitest/package.json'), 'utf8')) as { version: string })
              .version,
        ),
      ).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
