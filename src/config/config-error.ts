// ConfigError: a configuration that cannot be used, with every problem found listed.

/** Thrown by loadConfig/parseConfig; `problems` holds one "<path>: <problem> — <fix>" line per problem. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  /** Every problem found, each "<path>: <what is wrong> — <how to fix it>". */
  readonly problems: string[];
  /** The file (or other source) that was read. */
  readonly source: string;

  constructor(source: string, problems: string[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`Invalid configuration in ${source} (${count}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.source = source;
    this.problems = problems;
  }
}
