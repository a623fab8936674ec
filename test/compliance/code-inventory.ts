// Reads from the source what the records of processing must list: store interfaces and backends, audit event types and
// fields, log fields.

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from './doc-helpers.js';

/** Every non-test TypeScript file under src/ (paths relative to the root). */
export function sourceFiles(dir = join(ROOT, 'src')): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (entry.name.endsWith('.ts') && !entry.name.includes('.test')) out.push(relative(ROOT, path));
  }
  return out;
}

const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8');

/** The body of `interface Name { ... }` (balanced braces), or undefined. */
export function interfaceBody(source: string, name: string): string | undefined {
  const start = new RegExp(`interface ${name}\\b[^{]*\\{`).exec(source);
  if (!start) return undefined;
  const from = start.index + start[0].length;
  return source.slice(from, matchingClose(source, from - 1));
}

/** Index of the bracket closing the one at `open` (skips strings, template literals and comments). */
function matchingClose(text: string, open: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = open; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === '/' && text[i + 1] === '/') i = text.indexOf('\n', i);
    else if (ch === '/' && text[i + 1] === '*') i = text.indexOf('*/', i) + 1;
    else if (ch === "'" || ch === '"' || ch === '`') quote = ch;
    else if ('{[('.includes(ch)) depth++;
    else if ('}])'.includes(ch) && --depth === 0) return i;
    if (i < 0) break;
  }
  throw new Error(`unbalanced bracket at ${open}`);
}

/** Top-level member names of an interface body: `name:`, `name?:`, `name(`, skipping comments. */
function memberNames(body: string): string[] {
  const names: string[] = [];
  let depth = 0;
  for (const line of body.split('\n')) {
    const trimmed = line.trim();
    if (depth === 0 && !trimmed.startsWith('*') && !trimmed.startsWith('/')) {
      const m = /^(?:readonly\s+)?([A-Za-z_$][\w$]*)\??\s*[:(<]/.exec(trimmed);
      if (m) names.push(m[1]);
    }
    for (const ch of trimmed.replace(/'[^']*'|"[^"]*"/g, '')) {
      if ('{(['.includes(ch)) depth++;
      else if ('})]'.includes(ch)) depth--;
    }
  }
  return names;
}

/**
 * Top-level keys of an object literal whose `{` is at `open`: `key: v`, shorthand `key`, quoted keys; spreads skipped.
 */
export function objectKeys(text: string, open: number): string[] {
  const body = text.slice(open + 1, matchingClose(text, open));
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let current = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (quote) {
      current += ch;
      if (ch === '\\') current += body[++i] ?? '';
      else if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === "'" || ch === '"' || ch === '`') quote = ch;
    else if ('{[('.includes(ch)) depth++;
    else if ('}])'.includes(ch)) depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts
    .map((p) => p.replace(/\/\/[^\n]*/g, '').trim())
    .filter((p) => p !== '' && !p.startsWith('...'))
    .map((p) => /^['"]?([A-Za-z_$][\w$]*)['"]?\s*(?::|$)/.exec(p)?.[1])
    .filter((k): k is string => k !== undefined);
}

/**
 * Store interfaces: exported interfaces with at least one method in src/store/types.ts and in src/store/*-storage.ts
 * (the persistence side of keys and the audit trail, where it exists), plus the key store and the audit log.
 */
export function storeInterfaces(): string[] {
  const names = new Set<string>(['KeyStore', 'AuditLog']);
  const files = readdirSync(join(ROOT, 'src', 'store')).filter((f) => f === 'types.ts' || f.endsWith('-storage.ts'));
  for (const file of files) {
    const source = read(`src/store/${file}`);
    for (const m of source.matchAll(/export interface (\w+)/g)) {
      const body = interfaceBody(source, m[1]) ?? '';
      if (/^\s*(?:readonly\s+)?\w+\??\s*(?:<[^>]*>)?\(/m.test(body)) names.add(m[1]);
    }
  }
  return [...names].sort();
}

/** Backend folders under src/store/ (memory, and redis/postgres once they exist). */
export function storeBackends(): string[] {
  return readdirSync(join(ROOT, 'src', 'store'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => `src/store/${d.name}/`)
    .sort();
}

/** Audit actions: the AuditAction union plus every dotted `action: '…'` and `audited(x, '…')` literal in src/. */
export function auditActions(): string[] {
  const actions = new Set<string>();
  const eventFile = read('src/audit/audit-event.ts');
  const union = /export type AuditAction =([\s\S]*?);/.exec(eventFile)?.[1] ?? '';
  for (const m of union.matchAll(/'([a-z_]+\.[a-z_.]+)'/g)) actions.add(m[1]);
  for (const file of sourceFiles()) {
    const source = read(file);
    for (const m of source.matchAll(/\baction: '([a-z_]+\.[a-z_.]+)'/g)) actions.add(m[1]);
    for (const m of source.matchAll(/\baudited\(\s*\w+,\s*'([a-z_]+\.[a-z_.]+)'/g)) actions.add(m[1]);
  }
  return [...actions].sort();
}

/** Fields of an audit line: AuditEvent, ChainFields, the line type and the checkpoint's own fields. */
export function auditFields(): string[] {
  const source = read('src/audit/audit-event.ts');
  const names = new Set(['type']);
  for (const name of ['AuditEvent', 'ChainFields', 'AuditCheckpointLine'])
    for (const member of memberNames(interfaceBody(source, name) ?? '')) names.add(member);
  return [...names].sort();
}

/** Fields that pino and Fastify add to every line Parley writes. */
export const FRAMEWORK_LOG_FIELDS = ['time', 'level', 'msg', 'service', 'reqId'] as const;

/**
 * Fields Parley writes on log lines: the RequestLogRecord interface, keys of object literals passed to a log call
 * (directly or through a `const x = {…}` in the same file), and fields set on a request's log record
 * (`request.parley.log.x =`, `Object.assign(request.parley.log, {…})`).
 */
export function logFields(): string[] {
  const fields = new Set<string>(FRAMEWORK_LOG_FIELDS);
  for (const member of memberNames(interfaceBody(read('src/observability/logger.ts'), 'RequestLogRecord') ?? ''))
    fields.add(member);
  for (const file of sourceFiles()) {
    const source = read(file);
    for (const m of source.matchAll(/\b(?:log|logger)\??\.(?:trace|debug|info|warn|error|fatal)\(\s*/g)) {
      const at = m.index + m[0].length;
      if (source[at] === '{') for (const k of objectKeys(source, at)) fields.add(k);
      const ident = /^([A-Za-z_$][\w$]*)\s*,/.exec(source.slice(at))?.[1];
      if (ident) {
        const decl = new RegExp(`(?:const|let) ${ident}\\s*=\\s*\\{`).exec(source);
        if (decl) for (const k of objectKeys(source, decl.index + decl[0].length - 1)) fields.add(k);
      }
    }
    for (const m of source.matchAll(/\bparley\.log\.(\w+)\s*(?:=|\?\?=)(?!=)/g)) fields.add(m[1]);
    for (const m of source.matchAll(/Object\.assign\(\s*request\.parley\.log,/g))
      for (const at of argumentObjects(source, m.index + m[0].length))
        for (const k of objectKeys(source, at)) fields.add(k);
  }
  return [...fields].sort();
}

/** Where each object literal among a call's arguments opens, from `from` (just after a comma) to the call's `)`. */
function argumentObjects(source: string, from: number): number[] {
  const opens: number[] = [];
  let depth = 0;
  for (let i = from; i < source.length; i++) {
    const c = source[i];
    if (c === '{' && depth === 0) opens.push(i);
    if (c === '(' || c === '{' || c === '[') depth++;
    else if (c === ')' || c === '}' || c === ']') {
      if (depth === 0) break;
      depth--;
    }
  }
  return opens;
}
