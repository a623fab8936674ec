// Checks the rules of direction from ARCHITECTURE.md by reading every import in src/.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');

/** Top-level folders each folder may import (besides itself). */
const ALLOWED: Record<string, string[]> = {
  domain: [],
  providers: ['domain'],
  routing: ['domain'],
  store: ['domain'],
  privacy: ['domain'],
  safety: ['domain'],
  config: ['domain'],
  security: ['domain', 'config', 'store'],
  audit: ['domain', 'config', 'store'],
  observability: ['domain', 'config', 'store'],
  // chat depends on interfaces: the domain's (RouteObserver, StepTrace), store/types, config/types (below).
  chat: ['domain', 'providers', 'routing', 'store', 'privacy', 'safety', 'security', 'audit', 'config'],
  http: ['domain', 'chat', 'config', 'security', 'audit', 'observability', 'privacy', 'safety', 'store'],
  'mock-upstream': ['domain'],
  cli: ['domain', 'chat', 'config', 'security', 'audit', 'observability', 'mock-upstream', 'store', 'http'],
};

/** Documented exceptions: the adapter factory maps ProviderConfig (a plain type) to adapters. */
const EXCEPTIONS = new Set(['providers/factory.ts -> config']);

/** What of another folder a folder may import, where it may not import all of it. */
const ONLY: Record<string, Record<string, RegExp>> = {
  // The configuration's plain types, never its loading, validation or secrets.
  chat: { config: /^config\/types\.js$/, store: /^store\/types\.js$/ },
};

/** Concrete store backends: chosen only by the composition root (main.ts, compose/), which the CLI uses too. */
const BACKEND = /^store\/(memory|file|redis|postgres)\//;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Source lines without comment lines (a comment may mention process.env). */
function codeLines(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => !/^\s*(\/\/|\*|\/\*)/.test(line));
}

const IMPORT =
  /(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)|^import\s+['"](\.[^'"]+)['"]/gm;

describe('rules of direction', () => {
  const sources = files(SRC);

  it('finds the source tree', () => {
    expect(sources.length).toBeGreaterThan(20);
  });

  it('every module imports only what its folder may import', () => {
    const violations: string[] = [];
    for (const file of sources) {
      const rel = relative(SRC, file);
      const folder = rel.includes('/') ? rel.split('/')[0] : undefined;
      // main.ts and compose/ are the composition root: they may import anything
      if (!folder || folder === 'compose') continue;
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(IMPORT)) {
        const target = relative(SRC, resolve(dirname(file), match[1] ?? match[2] ?? match[3]));
        const targetFolder = target.includes('/') ? target.split('/')[0] : target.replace(/\.js$/, '');
        if (targetFolder === folder) continue;
        if (targetFolder === 'compose') {
          // The CLI opens its stores through the composition root, as the server does, never backends itself.
          if (folder !== 'cli') violations.push(`${rel} imports compose/ (only main.ts and the CLI may)`);
          continue;
        }
        if (targetFolder === 'main') {
          if (folder !== 'cli') violations.push(`${rel} imports main (only cli may)`);
          continue;
        }
        if (EXCEPTIONS.has(`${rel} -> ${targetFolder}`)) continue;
        if (!(ALLOWED[folder] ?? []).includes(targetFolder)) violations.push(`${rel} imports ${target}`);
        else if (ONLY[folder]?.[targetFolder] && !ONLY[folder][targetFolder].test(target))
          violations.push(`${rel} imports ${target} (only ${ONLY[folder][targetFolder].source} of ${targetFolder}/)`);
        else if (folder !== 'store' && BACKEND.test(target))
          violations.push(`${rel} imports the backend ${target} (only main.ts and compose/ choose backends)`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('keeps tests out of src/ (they live in test/)', () => {
    expect(
      files(SRC)
        .filter((f) => /\.test\.ts$|test-helper/.test(f))
        .map((f) => relative(SRC, f)),
    ).toEqual([]);
  });

  it('carries no facts between layers through module-level WeakMaps or WeakSets', () => {
    const carriers = sources
      .filter((f) => codeLines(f).some((line) => /^(export )?(const|let) \w+ = new Weak(Map|Set)\b/.test(line)))
      .map((f) => relative(SRC, f));
    expect(carriers).toEqual([]);
  });

  it('process.env is read only in config/ (and the CLI entry points that hand it to config)', () => {
    const readers = sources
      .filter((f) => codeLines(f).some((line) => line.includes('process.env')))
      .map((f) => relative(SRC, f))
      .filter((rel) => !rel.startsWith('config/'));
    expect(readers).toEqual([]);
  });
});
