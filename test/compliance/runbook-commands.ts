// Extracts the commands of a runbook's `sh` blocks and runs them in one bash session, recording each one's exit code
// and output.

import { spawn } from 'node:child_process';

/** One command of a runbook. */
export interface RunbookCommand {
  /** Line in the Markdown file where it starts. */
  line: number;
  text: string;
  /** Expected exit code: 0, or N when the command carries a `# exit N` comment. */
  expectExit: number;
}

/** The result of one command. */
export interface CommandResult extends RunbookCommand {
  exit: number;
  output: string;
}

/** Commands in ```sh blocks (continuation lines joined; blank and comment-only lines skipped). */
export function runbookCommands(markdown: string): RunbookCommand[] {
  const commands: RunbookCommand[] = [];
  const lines = markdown.split('\n');
  let inSh = false;
  let pending: { line: number; text: string } | undefined;
  lines.forEach((raw, index) => {
    const fence = /^\s*```(\w*)/.exec(raw);
    if (fence) {
      inSh = !inSh && fence[1] === 'sh';
      return;
    }
    if (!inSh) return;
    const text = raw.trim();
    if (pending) pending.text += ` ${text.replace(/\\$/, '').trim()}`;
    else if (text !== '' && !text.startsWith('#')) pending = { line: index + 1, text: text.replace(/\\$/, '').trim() };
    if (pending && !text.endsWith('\\')) {
      const exit = /#\s*exit (\d+)\b/.exec(pending.text);
      commands.push({ line: pending.line, text: pending.text, expectExit: exit ? Number(exit[1]) : 0 });
      pending = undefined;
    }
  });
  return commands;
}

/** Whether a command runs the parley CLI. */
export const usesParley = (command: RunbookCommand): boolean => /(^|[\s;&|('"$])parley\s/.test(command.text);

/** Runs the commands in order in one bash process (variables assigned by one are seen by the next). */
export function runCommands(
  commands: RunbookCommand[],
  env: NodeJS.ProcessEnv,
  cwd: string,
  timeoutMs: number,
): Promise<CommandResult[]> {
  const marker = `@@parley-runbook-${process.pid}`;
  const script = [
    'set +e',
    ...commands.flatMap((c, i) => [
      `echo "${marker} begin ${i}"`,
      `{ ${c.text.replace(/#\s*exit \d+.*$/, '')}\n} 2>&1`,
      `echo "${marker} end ${i} $?"`,
    ]),
  ].join('\n');
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      const results: CommandResult[] = commands.map((c) => ({ ...c, exit: -1, output: '' }));
      const re = new RegExp(`${marker} begin (\\d+)\\n([\\s\\S]*?)${marker} end \\1 (\\d+)`, 'g');
      for (const m of out.matchAll(re)) {
        const result = results[Number(m[1])];
        result.output = m[2];
        result.exit = Number(m[3]);
      }
      resolve(results);
    });
  });
}
