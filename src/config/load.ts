// Loads the configuration: YAML file → env overrides → schema validation → defaults → cross-checks → frozen
// ParleyConfig.

import { readFile } from 'node:fs/promises';
import Value from 'typebox/value';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { DEFAULT_RESILIENCE } from '../domain/index.js';
import { ConfigError } from './config-error.js';
import { crossCheck } from './cross-check.js';
import { resolveConfig } from './resolve.js';
import { ConfigSchema, type RawConfig } from './schema.js';
import type { ParleyConfig } from './types.js';
import { dropNulls, formatPath, validateAgainstSchema, type ConfigProblem } from './validate.js';

export { ConfigError } from './config-error.js';

/** Where the configuration came from when no file was given. */
export const DEMO_SOURCE = '(no configuration file: built-in demo provider)';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Options of loadConfig. */
export interface LoadConfigOptions {
  /** The YAML file; defaults to env PARLEY_CONFIG; none at all means demo mode. */
  file?: string;
  /** The environment to read overrides from (defaults to process.env). */
  env?: NodeJS.ProcessEnv;
}

/**
 * Reads, validates and resolves the configuration. Throws ConfigError listing every problem.
 * Without a file (option or PARLEY_CONFIG) the built-in demo provider is configured (`demoMode: true`).
 */
export async function loadConfig(opts: LoadConfigOptions = {}): Promise<ParleyConfig> {
  const env = opts.env ?? process.env;
  const file = opts.file ?? (env.PARLEY_CONFIG || undefined);
  if (file === undefined) return parseConfig('', DEMO_SOURCE, env);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigError(file, [
      `${file}: cannot read the configuration file (${code}) — check the path given to --config or PARLEY_CONFIG`,
    ]);
  }
  return parseConfig(text, file, env);
}

/** Applies HOST, PORT, PARLEY_DATA_DIR and LOG_LEVEL over the file's values; problems name the variable. */
function applyEnv(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): string[] {
  const problems: string[] = [];
  const section = (key: string): Record<string, unknown> => {
    const current = raw[key];
    if (typeof current === 'object' && current !== null && !Array.isArray(current))
      return current as Record<string, unknown>;
    const created: Record<string, unknown> = {};
    if (current === undefined) raw[key] = created;
    return created; // a non-mapping section is reported by the schema
  };
  if (env.HOST) section('server').host = env.HOST;
  if (env.PORT) {
    const port = /^\d+$/.test(env.PORT) ? Number(env.PORT) : NaN;
    if (port >= 0 && port <= 65535) section('server').port = port;
    else
      problems.push(
        `PORT (environment): expected a port number from 0 to 65535 (got '${env.PORT}') — set PORT to e.g. 8080`,
      );
  }
  if (env.PARLEY_DATA_DIR) raw.dataDir = env.PARLEY_DATA_DIR;
  if (env.LOG_LEVEL) {
    const level = env.LOG_LEVEL.toLowerCase();
    if ((LOG_LEVELS as readonly string[]).includes(level)) section('logging').level = level;
    else
      problems.push(
        `LOG_LEVEL (environment): must be one of ${LOG_LEVELS.join(', ')} (got '${env.LOG_LEVEL}') — set one of these`,
      );
  }
  return problems;
}

/** The line of the YAML node at `path` (or its nearest ancestor that exists), for messages. */
function lineOf(doc: Document, lines: LineCounter, path: ReadonlyArray<string | number>): number | undefined {
  for (let n = path.length; n > 0; n--) {
    const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && Array.isArray(node.range)) return lines.linePos(node.range[0]).line;
  }
  return undefined;
}

/**
 * Parses and resolves configuration text. `source` names it in messages; `env` supplies overrides
 * (defaults to process.env). Empty text (or no providers and no models) configures the demo provider.
 */
export function parseConfig(text: string, source: string, env: NodeJS.ProcessEnv = process.env): ParleyConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true, merge: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      source,
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        const where = pos ? `line ${pos.line}, column ${pos.col}` : 'YAML';
        const what = (e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
        return `${where}: YAML syntax error: ${what} — fix the indentation, quoting or brackets at that spot`;
      }),
    );
  }
  const parsed: unknown = doc.toJS() ?? {};
  const withLine = (p: ConfigProblem): string => {
    const line = lineOf(doc, lines, p.path);
    return `${formatPath(p.path)}: ${p.message}${line !== undefined ? ` (line ${line})` : ''}`;
  };
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(source, [
      '(top level): expected a mapping of keys such as server, providers and models — see examples/parley.example.yaml',
    ]);
  }
  const raw = parsed as Record<string, unknown>;
  dropNulls(raw);
  const envProblems = applyEnv(raw, env);
  const schemaProblems = validateAgainstSchema(ConfigSchema, raw);
  if (envProblems.length > 0 || schemaProblems.length > 0) {
    throw new ConfigError(source, [...envProblems, ...schemaProblems.map(withLine)]);
  }
  const config = Value.Default(ConfigSchema, raw) as RawConfig;
  const demoMode = (config.providers ?? []).length === 0 && (config.models ?? []).length === 0;
  if (demoMode) {
    config.providers = Value.Default(ConfigSchema.properties.providers, [
      { id: 'demo', type: 'demo' },
    ]) as RawConfig['providers'];
    config.models = Value.Default(ConfigSchema.properties.models, [
      { name: 'demo', description: 'Built-in offline demo model', targets: [{ provider: 'demo', model: 'demo' }] },
    ]) as RawConfig['models'];
  }
  const crossProblems = crossCheck(config);
  if (crossProblems.length > 0) throw new ConfigError(source, crossProblems.map(withLine));
  const { config: resolved, problems } = resolveConfig(config, {
    demoMode,
    cwd: process.cwd(),
    defaults: DEFAULT_RESILIENCE,
  });
  if (problems.length > 0) throw new ConfigError(source, problems.map(withLine));
  return resolved;
}
