// Helpers for the compliance tests: the repository root, Markdown files, links to tests and config keys, test names.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Every Markdown file under docs/ (absolute paths). */
export function docFiles(dir = join(ROOT, 'docs')): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...docFiles(path));
    else if (entry.name.endsWith('.md')) out.push(path);
  }
  return out;
}

/** Reads a file relative to the root. */
export function readDoc(path: string): string {
  return readFileSync(join(ROOT, path), 'utf8');
}

/** A reference to a test: `test/x/y.test.ts`, optionally with the name of one test in it. */
export interface TestRef {
  file: string;
  name?: string;
  /** Where in the document (line number), for messages. */
  line: number;
}

/**
 * Test references in a document. Two forms: a link or code span naming a test file
 * (`test/security-e2e/retention.test.ts`),
 * and a file with a test name: `test/audit/tamper.test.ts` › "names the line of a one-byte edit".
 */
export function testRefs(markdown: string): TestRef[] {
  const refs: TestRef[] = [];
  markdown.split('\n').forEach((text, index) => {
    const re = /((?:test|src)\/[A-Za-z0-9_./-]+\.test\.ts)(?:\)|`)?(?:\s*›\s*"([^"]+)")?/g;
    for (const m of text.matchAll(re)) refs.push({ file: m[1], name: m[2], line: index + 1 });
  });
  return refs;
}

/**
 * Test and describe names declared in a test file: the string literal of every it/test/describe (incl. .each,
 * .skipIf).
 */
export function declaredTestNames(file: string): string[] {
  const source = readFileSync(join(ROOT, file), 'utf8');
  const names: string[] = [];
  const re =
    /\b(?:it|test|describe)(?:\.(?:each\([^)]*\)|skipIf\([^)]*\)|runIf\([^)]*\)|only|concurrent|sequential))*\(\s*(['"`])((?:\\.|(?!\1).)*)\1/g;
  for (const m of source.matchAll(re)) names.push(m[2].replace(/\\(['"`])/g, '$1'));
  return names;
}

/** Problems with the test references of a document: missing files and names not declared in the file. */
export function brokenTestRefs(markdown: string): string[] {
  const problems: string[] = [];
  for (const ref of testRefs(markdown)) {
    if (!existsSync(join(ROOT, ref.file))) {
      problems.push(`line ${ref.line}: ${ref.file} does not exist`);
      continue;
    }
    if (ref.name !== undefined && !declaredTestNames(ref.file).includes(ref.name)) {
      problems.push(`line ${ref.line}: ${ref.file} has no test named "${ref.name}"`);
    }
  }
  return problems;
}

/**
 * Config keys written as `config:server.tls` links in a document ([`server.tls`](../configuration.md#...) is not
 * required).
 */
export function configKeyRefs(markdown: string): { key: string; line: number }[] {
  const refs: { key: string; line: number }[] = [];
  markdown.split('\n').forEach((text, index) => {
    for (const m of text.matchAll(/`config:([A-Za-z0-9_.[\]]+)`/g)) refs.push({ key: m[1], line: index + 1 });
  });
  return refs;
}

/** A path relative to the root, for messages. */
export const rel = (path: string): string => relative(ROOT, path);
