// The installed production dependency tree: every package reachable from package.json's dependencies, read from
// node_modules.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ROOT } from './doc-helpers.js';

/** One installed package. */
export interface InstalledPackage {
  name: string;
  version: string;
  /** SPDX expression, or undefined when the package declares none. */
  license: string | undefined;
  path: string;
}

interface PackageJson {
  name: string;
  version: string;
  license?: unknown;
  licenses?: unknown;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/** Node's lookup: the nearest node_modules/<name> from `fromDir` up to the root. */
function resolvePackage(name: string, fromDir: string): string | undefined {
  let dir = fromDir;
  for (;;) {
    const candidate = join(dir, 'node_modules', name, 'package.json');
    if (existsSync(candidate)) return candidate;
    if (dir === ROOT || !dir.startsWith(ROOT)) return undefined;
    dir = dirname(dir);
  }
}

/** The license of a package.json: `license` (SPDX), or the old `licenses: [{type}]` form joined with OR. */
function licenseOf(pkg: PackageJson): string | undefined {
  if (typeof pkg.license === 'string') return pkg.license;
  if (pkg.license && typeof pkg.license === 'object' && 'type' in pkg.license)
    return String((pkg.license as { type: unknown }).type);
  if (Array.isArray(pkg.licenses)) return pkg.licenses.map((l: { type?: unknown }) => String(l.type)).join(' OR ');
  return undefined;
}

/** Every package reachable from the root's `dependencies` (and their dependencies and installed optional ones). */
export function productionTree(): InstalledPackage[] {
  const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson;
  const seen = new Map<string, InstalledPackage>();
  const missing: string[] = [];
  const visit = (name: string, fromDir: string, optional: boolean): void => {
    const path = resolvePackage(name, fromDir);
    if (!path) {
      if (!optional) missing.push(`${name} (needed from ${fromDir})`);
      return;
    }
    if (seen.has(path)) return;
    const pkg = JSON.parse(readFileSync(path, 'utf8')) as PackageJson;
    seen.set(path, { name: pkg.name, version: pkg.version, license: licenseOf(pkg), path });
    for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep, dirname(path), false);
    for (const dep of Object.keys(pkg.optionalDependencies ?? {})) visit(dep, dirname(path), true);
  };
  for (const dep of Object.keys(root.dependencies ?? {})) visit(dep, ROOT, false);
  if (missing.length > 0)
    throw new Error(`production dependencies are not installed (run npm install): ${missing.join(', ')}`);
  return [...seen.values()];
}

/**
 * Whether an SPDX expression is satisfied by the allowed ids: `A OR B` needs one side, `A AND B` both;
 * parentheses group; `WITH` exceptions are judged by their base license.
 */
export function licenseAllowed(expression: string, allowed: ReadonlySet<string>): boolean {
  const tokens = expression
    .replace(/[()]/g, (p) => ` ${p} `)
    .trim()
    .split(/\s+/);
  let i = 0;
  const orExpr = (): boolean => {
    let value = andExpr();
    while (tokens[i] === 'OR') {
      i++;
      value = andExpr() || value;
    }
    return value;
  };
  const andExpr = (): boolean => {
    let value = atom();
    while (tokens[i] === 'AND') {
      i++;
      value = atom() && value;
    }
    return value;
  };
  const atom = (): boolean => {
    const token = tokens[i++];
    if (token === '(') {
      const value = orExpr();
      i++; // ')'
      return value;
    }
    if (tokens[i] === 'WITH') i += 2;
    return token !== undefined && allowed.has(token.replace(/\+$/, ''));
  };
  const result = orExpr();
  return result && i >= tokens.length;
}
