// Schema validation that collects every problem and explains each as "<path>: <problem> — <fix>".

import type { TSchema } from 'typebox';
import Value from 'typebox/value';
import { secretRefProblem } from './secret-ref.js';
import { suggest } from './suggest.js';

/** One problem found in the configuration: where, and "what is wrong — how to fix it". */
export interface ConfigProblem {
  path: ReadonlyArray<string | number>;
  message: string;
}

type Node = Record<string, unknown>;
type Path = ReadonlyArray<string | number>;

/** Renders a path as `providers[0].baseUrl`; the root is `(top level)`. */
export function formatPath(path: Path): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out === '' ? '(top level)' : out;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `'${value.length > 40 ? `${value.slice(0, 40)}…` : value}'`;
  return String(value);
}

function literalValues(node: Node): string[] | undefined {
  const anyOf = node.anyOf;
  if (!Array.isArray(anyOf) || anyOf.length === 0) return undefined;
  const values = (anyOf as Node[]).map((s) => s.const);
  return values.every((v) => typeof v === 'string') ? (values as string[]) : undefined;
}

/** Explains why a leaf value fails its schema, as "problem — fix". */
function explainLeaf(node: Node, value: unknown): string {
  const kind = node['x-kind'];
  const got = `(got ${describeValue(value)})`;
  if (kind === 'duration')
    return `expected a duration like 30s or a number of milliseconds ${got} — write e.g. 250ms, 30s, 5m, 1h or 2d`;
  if (kind === 'size') return `expected a size like 1mb or a number of bytes ${got} — write e.g. 65536, 512kb or 1mb`;
  if (kind === 'secret') {
    if (typeof value !== 'string')
      return 'expected a secret reference — write env:NAME, file:/absolute/path or vault:mount/path#field';
    return (
      secretRefProblem(value) ??
      'not a secret reference — write env:NAME, file:/absolute/path or vault:mount/path#field'
    );
  }
  const literals = literalValues(node);
  if (literals) {
    const close = typeof value === 'string' ? suggest(value, literals) : undefined;
    return `must be one of ${literals.join(', ')} ${got} — ${close ? `did you mean '${close}'?` : 'use one of these'}`;
  }
  const type = node.type;
  if (type === 'integer' || type === 'number') {
    if (typeof value !== 'number') return `expected a number ${got} — write a plain number, without quotes or units`;
    if (type === 'integer' && !Number.isInteger(value)) return `must be a whole number ${got} — drop the fraction`;
    const min = typeof node.minimum === 'number' ? node.minimum : undefined;
    const max = typeof node.maximum === 'number' ? node.maximum : undefined;
    const range =
      min !== undefined && max !== undefined
        ? `between ${min} and ${max}`
        : min !== undefined
          ? `at least ${min}`
          : `at most ${max}`;
    return `must be ${range} ${got} — use a value ${range}`;
  }
  if (type === 'string') {
    if (typeof value !== 'string') return `expected text ${got} — write it as a string (quote it if needed)`;
    if (typeof node.minLength === 'number' && value.length < node.minLength)
      return 'must not be empty — give it a value';
    const hint = typeof node['x-hint'] === 'string' ? node['x-hint'] : `match ${String(node.pattern)}`;
    return `invalid value ${got} — ${hint}`;
  }
  if (type === 'boolean') return `expected true or false ${got} — write true or false`;
  return `invalid value ${got} — see docs/configuration.md`;
}

function walk(node: Node, value: unknown, path: Path, out: ConfigProblem[]): void {
  const push = (p: Path, message: string) => out.push({ path: p, message });
  const isLeaf = node['x-kind'] !== undefined || (node.type !== 'object' && node.type !== 'array');
  if (isLeaf) {
    if (!Value.Check(node as unknown as TSchema, value)) push(path, explainLeaf(node, value));
    return;
  }
  if (node.type === 'array') {
    if (!Array.isArray(value)) {
      push(
        path,
        `expected a list (got ${describeValue(value)}) — write one item per line starting with "- ", or [a, b]`,
      );
      return;
    }
    if (typeof node.minItems === 'number' && value.length < node.minItems)
      push(path, `needs at least ${node.minItems} item(s) — add one`);
    value.forEach((item, i) => walk(node.items as Node, item, [...path, i], out));
    return;
  }
  if (!isPlainObject(value)) {
    push(
      path,
      `expected a mapping of keys to values (got ${describeValue(value)}) — write key: value ` +
        `pairs, indented under ${formatPath(path)}`,
    );
    return;
  }
  const properties = node.properties as Record<string, Node> | undefined;
  const patternProperties = node.patternProperties as Record<string, Node> | undefined;
  if (properties) {
    const known = Object.keys(properties);
    for (const key of Object.keys(value)) {
      if (key in properties) continue;
      const close = suggest(key, known);
      push(
        [...path, key],
        `unknown key '${key}' — ` +
          `${close ? `did you mean '${close}'?` : `remove it; known keys here: ${known.join(', ')}`}`,
      );
    }
    const required = Array.isArray(node.required) ? (node.required as string[]) : [];
    for (const key of required) {
      if (value[key] === undefined || value[key] === null) {
        const child = properties[key] as Node;
        const literals = literalValues(child);
        const what = literals ? `one of ${literals.join(', ')}` : String(child.description ?? 'a value');
        push([...path, key], `is required — add ${key}: (${what})`);
      }
    }
    for (const key of known) {
      const v = value[key];
      if (v !== undefined && v !== null) walk(properties[key] as Node, v, [...path, key], out);
    }
  } else if (patternProperties) {
    const child = Object.values(patternProperties)[0] as Node;
    for (const [key, v] of Object.entries(value)) walk(child, v, [...path, key], out);
  }
}

/** Removes keys whose value is null (an empty `key:` in YAML means "not set"), recursively, in place. */
export function dropNulls(value: unknown): void {
  if (Array.isArray(value)) value.forEach(dropNulls);
  else if (isPlainObject(value)) {
    for (const [key, v] of Object.entries(value)) {
      if (v === null) delete value[key];
      else dropNulls(v);
    }
  }
}

/** Validates `value` against `schema` and returns every problem found (empty: valid). */
export function validateAgainstSchema(schema: TSchema, value: unknown): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  walk(schema as unknown as Node, value, [], out);
  // The walker explains; TypeBox decides. If they ever disagree, still refuse the file.
  if (out.length === 0 && !Value.Check(schema, value)) {
    const first = Value.Errors(schema, value)[0];
    out.push({
      path: [],
      message: `${first?.instancePath ?? ''} ${first?.message ?? 'invalid'} — see docs/configuration.md`,
    });
  }
  return out;
}
