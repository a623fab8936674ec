// The schema documents itself: every key has a description, docs/configuration.md lists every key and is current.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeSchema, DOC_TABLE_END, DOC_TABLE_START, renderSchemaTable } from '../../src/config/schema-doc.js';

const doc = readFileSync(join(import.meta.dirname, '../../docs/configuration.md'), 'utf8');

describe('configuration docs', () => {
  const rows = describeSchema();

  it('covers the whole schema, including nested and per-target keys', () => {
    const paths = rows.map((r) => r.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'server.port',
        'providers[].apiKeys',
        'providers[].breaker.halfOpenProbes',
        'models[].targets[].retry.retries',
        'cache.mode',
      ]),
    );
    expect(rows.length).toBeGreaterThan(60);
  });

  it('every key has a description', () => {
    expect(rows.filter((r) => r.description.trim() === '').map((r) => r.path)).toEqual([]);
  });

  it('every key appears in docs/configuration.md', () => {
    const missing = rows.filter((r) => !doc.includes(`\`${r.path}\``)).map((r) => r.path);
    expect(missing).toEqual([]);
  });

  it('the generated table is up to date (regenerate: npx tsx src/config/schema-doc.ts docs/configuration.md)', () => {
    const start = doc.indexOf(DOC_TABLE_START) + DOC_TABLE_START.length;
    const end = doc.indexOf(DOC_TABLE_END);
    expect(doc.slice(start, end).trim()).toBe(renderSchemaTable());
  });
});
