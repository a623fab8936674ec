// The records of processing list every category of data, every store, audit event type and field, and every log field
// the code writes.

import { describe, expect, it } from 'vitest';
import { auditActions, auditFields, logFields, objectKeys, storeBackends, storeInterfaces } from './code-inventory.js';
import { readDoc } from './doc-helpers.js';

const doc = readDoc('docs/compliance/records-of-processing.md');
/** Names written as code spans in the document. */
const spans = new Set([...doc.matchAll(/`([^`]+)`/g)].flatMap((m) => m[1].split(/[\s,]+/)));
const missing = (names: string[]): string[] => names.filter((n) => !spans.has(n));

describe('records of processing', () => {
  it.each([
    'Conversation content',
    'Pseudonym maps',
    'Cached answers',
    'API key hashes',
    'Audit events',
    'Logs',
    'Metrics',
    'Traces',
    'Feedback',
  ])('has a row for %s with where, retention, readers and whether it leaves', (category) => {
    const row = doc.split('\n').find((l) => l.startsWith(`| **${category}**`));
    expect(row, `add a row "| **${category}** | ..." to the categories table`).toBeDefined();
    expect(
      row
        ?.split('|')
        .slice(1, -1)
        .every((cell) => cell.trim() !== ''),
    ).toBe(true);
    expect(row?.split('|').slice(1, -1)).toHaveLength(6);
  });

  it('lists every store interface of the code', () => {
    const names = storeInterfaces();
    expect(names).toEqual(expect.arrayContaining(['SessionStore', 'CacheStore', 'KeyStore', 'AuditLog']));
    expect(
      missing(names),
      'store interfaces missing from docs/compliance/records-of-processing.md (add each to the Stores table)',
    ).toEqual([]);
  });

  it('names every store backend folder', () => {
    const backends = storeBackends();
    expect(backends).toContain('src/store/memory/');
    expect(missing(backends), 'store backends under src/store/ missing from the records of processing').toEqual([]);
  });

  it('lists every audit event type Parley emits', () => {
    const actions = auditActions();
    expect(actions).toEqual(
      expect.arrayContaining(['auth.failure', 'access.denied', 'session.purged', 'audit.overflow']),
    );
    expect(missing(actions), 'audit actions missing from the "Audit event types" table').toEqual([]);
  });

  it('lists every field of an audit line', () => {
    const fields = auditFields();
    expect(fields).toEqual(expect.arrayContaining(['clientAddress', 'details', 'prev', 'sig']));
    expect(missing(fields), 'audit line fields missing from the "Audit event types" section').toEqual([]);
  });

  it('lists every field Parley writes on a log line', () => {
    const fields = logFields();
    expect(fields).toEqual(
      expect.arrayContaining([
        'route',
        'latencyMs',
        'overheadMs',
        'keyId',
        'cooldownMs',
        'upstreamModel',
        'stores',
        'reqId',
      ]),
    );
    expect(missing(fields), 'log fields missing from the "Log fields" table').toEqual([]);
  });
});

describe('the code inventory itself', () => {
  it('reads top-level keys of an object literal, skipping spreads and nested objects', () => {
    const text = "x({ a: 1, b, ...rest, 'c': { d: 2 }, e: f(g, h) }, 'msg')";
    expect(objectKeys(text, text.indexOf('{'))).toEqual(['a', 'b', 'c', 'e']);
  });
});
