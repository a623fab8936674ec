// Hostile requests for the fuzzer: bodies from each route's JSON schema (fast-check), then mutated, plus raw byte-level
// abuse.

import fc from 'fast-check';

/** A JSON schema as /openapi.json gives it (only the parts the generator reads). */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  maxItems?: number;
  $ref?: string;
}

/** One documented operation of the API. */
export interface Operation {
  method: string;
  path: string;
  body?: JsonSchema;
}

/** One request to send. */
export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  label: string;
}

const nasty = fc.constantFrom(
  '',
  ' ',
  '\u0000',
  '\ud800',
  '../../etc/passwd',
  '%00',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  '𝕏'.repeat(50),
  'a'.repeat(70_000),
  '__proto__',
  'constructor',
  'NaN',
  '-1',
  '1e309',
);
const anyJson = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  nasty,
  fc.constant(null),
  fc.double(),
  fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
);

/** An arbitrary of values for `schema`, mostly valid, sometimes at or past its bounds. */
export function valueOf(schema: JsonSchema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (schema === undefined || depth > 6) return anyJson;
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum !== undefined) return fc.constantFrom(...schema.enum);
  const options = schema.anyOf ?? schema.oneOf;
  if (options !== undefined) return fc.oneof(...options.map((s) => valueOf(s, depth + 1)));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const props = schema.properties ?? {};
      const required = new Set(schema.required ?? []);
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [key, sub] of Object.entries(props)) model[key] = valueOf(sub, depth + 1);
      return fc.record(model, { requiredKeys: Object.keys(props).filter((k) => required.has(k)) });
    }
    case 'array':
      return fc.array(valueOf(schema.items, depth + 1), { maxLength: Math.min(schema.maxItems ?? 4, 4) });
    case 'string':
      return fc.oneof(
        fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 40, 40) }),
        fc.constantFrom('user', 'assistant', 'system', 'chat', 'admin'),
        nasty,
      );
    case 'integer':
      return fc.oneof(
        fc.integer({ min: schema.minimum ?? -10, max: Math.min(schema.maximum ?? 100, 1e9) }),
        fc.constantFrom(-1, 0, 2 ** 31, 2 ** 53),
      );
    case 'number':
      return fc.oneof(
        fc.double({ min: schema.minimum ?? -10, max: schema.maximum ?? 10, noNaN: true }),
        fc.constantFrom(-1, 1e308, -0),
      );
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return anyJson;
  }
}

type Mutation = (value: unknown) => unknown;
/** A mutation whose result is JSON text already (too deep for JSON.stringify to build). */
class RawText {
  constructor(readonly text: string) {}
}
const mutations: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constant((v: unknown) => (isObject(v) ? dropOne(v) : v)),
  fc.tuple(fc.string({ maxLength: 10 }), anyJson).map(
    ([k, x]) =>
      (v: unknown) =>
        isObject(v) ? { ...v, [k]: x } : v,
  ),
  anyJson.map((x) => (v: unknown) => (isObject(v) && Object.keys(v).length > 0 ? { ...v, [Object.keys(v)[0]]: x } : v)),
  fc.constant(() => JSON.parse('{"__proto__":{"polluted":true}}') as unknown),
  fc.constant((v: unknown) => (isObject(v) ? { ...v, constructor: { prototype: { polluted: true } } } : v)),
  fc
    .integer({ min: 100, max: 20_000 })
    .map((depth) => () => new RawText('{"messages":' + '['.repeat(depth) + ']'.repeat(depth) + '}')),
  fc.constant((v: unknown) => [v]),
  fc.constant(() => 'just a string'),
  fc.constant((v: unknown) =>
    isObject(v) ? { ...v, messages: Array.from({ length: 500 }, () => ({ role: 'user', content: 'x' })) } : v,
  ),
);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function dropOne(v: Record<string, unknown>): Record<string, unknown> {
  const keys = Object.keys(v);
  if (keys.length === 0) return v;
  const { [keys[0]]: _dropped, ...rest } = v;
  return rest;
}

/** Raw byte-level abuse of a body: truncated JSON, invalid UTF-8, lone surrogate escapes, wrong content types. */
const rawAbuse = fc.constantFrom<[string, string | Uint8Array]>(
  ['application/json', '{"model":"chat","messages":[{"role":"user","content":"hi"'],
  ['application/json', Uint8Array.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])],
  ['application/json', '{"model":"chat","messages":[{"role":"user","content":"\\ud800"}]}'],
  ['application/json', ''],
  ['application/json', 'null'],
  ['application/json', '1e999999'],
  ['application/json', '{"a":1,"a":2}'],
  ['text/plain', 'hello'],
  ['application/x-www-form-urlencoded', 'model=chat&messages=hi'],
  ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--'],
  ['application/json; charset=latin1', '{"model":"chat"}'],
  ['application/json', ' '.repeat(1000) + '{}'],
);

const headerAbuse = fc.dictionary(
  fc.constantFrom(
    'x-request-id',
    'x-parley-cache',
    'accept',
    'x-forwarded-for',
    'traceparent',
    'origin',
    'accept-encoding',
    'x-session-id',
  ),
  fc.oneof(
    fc.string({ maxLength: 30 }).filter((s) => /^[\x20-\x7e]*$/.test(s)),
    fc.constantFrom(
      'use',
      'bypass',
      '*/*',
      '00-' + '0'.repeat(32) + '-' + '0'.repeat(16) + '-01',
      'https://evil.example',
      'gzip',
      '1.2.3.4, ::1',
    ),
  ),
  { maxKeys: 3 },
);

/** Fills `:param` segments: a real id (when given), a random string, or something hostile. */
function pathOf(template: string, ids: string[]): fc.Arbitrary<string> {
  const params = template.match(/:[A-Za-z]+|\{[A-Za-z]+\}/g) ?? [];
  if (params.length === 0) return fc.constant(template);
  const segment = fc.oneof(
    ids.length > 0 ? fc.constantFrom(...ids) : fc.constant('x'),
    fc.string({ minLength: 1, maxLength: 20 }),
    nasty.filter((s) => s.length > 0 && s.length < 400),
    fc.constant('a'.repeat(300)),
  );
  return fc.array(segment, { minLength: params.length, maxLength: params.length }).map((values) => {
    let out = template;
    params.forEach(
      (p, i) => (out = out.replace(p, encodeURIComponent(values[i].replace(/[\ud800-\udfff]/g, '\ufffd')))),
    );
    return out;
  });
}

/** An arbitrary of hostile requests for `op`, with `auth` the Authorization header to send (or none). */
export function requestsFor(op: Operation, ids: string[], bearer: string | undefined): fc.Arbitrary<FuzzRequest> {
  const valid = valueOf(op.body);
  const body = fc.oneof(
    valid.map((v) => ['schema', 'application/json', JSON.stringify(v)] as const),
    fc.tuple(valid, mutations).map(([v, m]) => {
      const out = m(v);
      return [
        'mutated',
        'application/json',
        out instanceof RawText ? out.text : (JSON.stringify(out) ?? 'null'),
      ] as const;
    }),
    rawAbuse.map(([type, bytes]) => ['raw', type, bytes] as const),
  );
  return fc
    .tuple(
      pathOf(op.path, ids),
      body,
      headerAbuse,
      fc.boolean(),
      fc.option(fc.constantFrom('?stream=true', '?a=%ZZ', '?__proto__[x]=1', '?' + 'q='.repeat(500)), { nil: '' }),
    )
    .map(([path, [kind, type, bytes], extra, stream, query]) => {
      const headers: Record<string, string> = { ...extra };
      if (bearer !== undefined) headers.authorization = bearer;
      const hasBody = op.method !== 'GET' && op.method !== 'HEAD';
      let payload = hasBody ? bytes : undefined;
      if (hasBody && stream && typeof payload === 'string' && kind !== 'raw' && op.path === '/v1/chat/completions') {
        payload = payload.replace(/^\{/, '{"stream":true,');
      }
      if (hasBody) headers['content-type'] = type;
      return {
        method: op.method,
        path: path + query,
        headers,
        body: payload,
        label: `${op.method} ${op.path} ${kind}`,
      };
    });
}
