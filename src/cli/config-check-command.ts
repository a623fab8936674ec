// `parley config check FILE [--secrets]`: validates a configuration file exactly as start-up does.

import { loadAuditPrivateKey } from '../audit/signing-key.js';
import { ConfigError, createSecretResolver, loadConfig, type ParleyConfig } from '../config/index.js';
import { loadTlsMaterial } from '../http/tls.js';

/** Where the command writes; defaults to stdout/stderr. `env` defaults to the process environment. */
export interface ConfigCheckIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

const USAGE = [
  'usage: parley config check FILE [--secrets]',
  '  Validates FILE as start-up would and prints a summary, or every problem found.',
  '  --secrets  also resolve every secret reference (env:, file:, vault:) without printing values,',
  '             and check that the TLS certificate and key match and the audit signing key is Ed25519',
];

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** One line describing what the configuration sets up. */
export function summariseConfig(config: ParleyConfig): string {
  const providers = config.providers.map((p) => `${p.id} (${p.type}, ${plural(p.apiKeys.length, 'key')})`).join(', ');
  const models = config.models
    .map((m) => `${m.name} → ${m.targets.map((t) => `${t.provider}/${t.model}`).join(', ')}`)
    .join('; ');
  const demo = config.demoMode ? '; demo mode' : '';
  return (
    `OK: ${plural(config.providers.length, 'provider')}, ` +
    `${plural(config.models.length, 'model')} (providers: ${providers}; models: ${models}${demo})`
  );
}

/**
 * Resolves every secret reference (provider keys, the TLS pair, the audit signing key) and checks that
 * the TLS pair and the signing key can be used as start-up would; returns "<path>: <problem>" lines.
 */
async function checkSecrets(config: ParleyConfig, env: NodeJS.ProcessEnv | undefined): Promise<string[]> {
  const resolver = createSecretResolver(env ? { env } : {});
  const problems: string[] = [];
  try {
    for (const [i, p] of config.providers.entries()) {
      for (const [j, ref] of p.apiKeys.entries()) {
        try {
          await resolver.resolve(ref);
        } catch (err) {
          problems.push(`providers[${i}].apiKeys[${j}]: ${(err as Error).message}`);
        }
      }
    }
    const tls = config.server.tls;
    if (tls) {
      // Its messages already name server.tls.cert / server.tls.key / the pair.
      await loadTlsMaterial(tls, resolver).catch((err: Error) => problems.push(err.message));
    }
    const signingKey = config.audit.signingKey;
    if (signingKey !== undefined) {
      try {
        loadAuditPrivateKey(await resolver.resolve(signingKey));
      } catch (err) {
        problems.push(`audit.signingKey: ${(err as Error).message}`);
      }
    }
  } finally {
    resolver.close();
  }
  return problems;
}

/** Runs `parley config check`; `args` are the words after `check`. Returns the exit code (0 valid, 1 not). */
export async function configCheckCommand(args: string[], io: Partial<ConfigCheckIo> = {}): Promise<number> {
  const out = io.out ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const err = io.err ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const flags = args.filter((a) => a.startsWith('-'));
  const files = args.filter((a) => !a.startsWith('-'));
  if (flags.includes('-h') || flags.includes('--help')) {
    USAGE.forEach((line) => out(line));
    return 0;
  }
  const unknown = flags.filter((f) => f !== '--secrets');
  if (files.length !== 1 || unknown.length > 0) {
    if (unknown.length > 0) err(`unknown option ${unknown.join(', ')}`);
    USAGE.forEach((line) => err(line));
    return 1;
  }
  const file = files[0] as string;
  try {
    const config = await loadConfig(io.env ? { file, env: io.env } : { file });
    if (flags.includes('--secrets')) {
      const problems = await checkSecrets(config, io.env);
      if (problems.length > 0) {
        err(`Secrets that cannot be resolved in ${file} (${plural(problems.length, 'problem')}):`);
        problems.forEach((p) => err(`  - ${p}`));
        return 1;
      }
    }
    out(summariseConfig(config));
    return 0;
  } catch (e) {
    if (e instanceof ConfigError) {
      err(e.message);
      return 1;
    }
    throw e;
  }
}
