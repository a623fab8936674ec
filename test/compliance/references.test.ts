// Every test and configuration key that the compliance pack cites exists: files, test names (it/test/describe) and
// schema keys.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeSchema } from '../../src/config/schema-doc.js';
import {
  brokenTestRefs,
  configKeyRefs,
  declaredTestNames,
  docFiles,
  readDoc,
  rel,
  ROOT,
  testRefs,
} from './doc-helpers.js';

/** The documents of the compliance pack whose references must hold. */
export const PACK = [
  'docs/compliance/README.md',
  'docs/compliance/dpia.md',
  'docs/compliance/records-of-processing.md',
  'docs/security/threat-model.md',
  'docs/release.md',
].filter((doc) => existsSync(join(ROOT, doc)));

const schemaKeys = new Set(describeSchema().map((row) => row.path));

describe('references of the compliance pack', () => {
  it('finds the documents', () => {
    expect(PACK).toEqual(expect.arrayContaining(['docs/compliance/dpia.md']));
  });

  it.each(PACK)('%s names only test files and test names that exist', (doc) => {
    expect(brokenTestRefs(readDoc(doc))).toEqual([]);
  });

  it.each(PACK)('%s names only configuration keys of the schema', (doc) => {
    const unknown = configKeyRefs(readDoc(doc))
      .filter((ref) => !schemaKeys.has(ref.key))
      .map((ref) => `line ${ref.line}: config:${ref.key} is not a key of src/config/schema.ts`);
    expect(unknown).toEqual([]);
  });
});

describe('links of the compliance pack', () => {
  const docs = [...PACK, ...docFiles(join(ROOT, 'docs', 'runbooks', 'incidents')).map(rel), 'docs/architecture.md'];

  it.each(docs)('%s links only to files that exist', (doc) => {
    const broken = [...readDoc(doc).matchAll(/\]\(([^)\s]+)\)/g)]
      .map((m) => m[1])
      .filter((target) => !/^(https?:|mailto:|#)/.test(target))
      .filter((target) => !existsSync(join(ROOT, dirname(doc), decodeURIComponent(target.split('#')[0]))));
    expect(broken).toEqual([]);
  });
});

describe('the reference checker itself', () => {
  it('reads test names declared with it, test, describe and it.each', () => {
    const names = declaredTestNames('test/security-e2e/transport.test.ts');
    expect(names).toContain('TLS');
    expect(names).toContain('a missing key file names server.tls.key');
    expect(names).toContain('origin %s is refused by the configuration schema');
  });

  it('reports a missing file, a missing test name and passes a real one', () => {
    const doc = [
      '`test/nowhere/missing.test.ts`',
      '`test/audit/tamper.test.ts` › "no such test"',
      '`test/audit/tamper.test.ts` › "accepts the untouched trail"',
    ].join('\n');
    expect(testRefs(doc)).toHaveLength(3);
    expect(brokenTestRefs(doc)).toEqual([
      'line 1: test/nowhere/missing.test.ts does not exist',
      'line 2: test/audit/tamper.test.ts has no test named "no such test"',
    ]);
  });
});
