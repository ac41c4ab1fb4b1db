import { UserError } from '../../core/errors.js';
import type { ProcessRunner } from '../../core/ports/process.js';
import type { Redactor } from '../shared/redact.js';

export interface ToolRunOptions {
  runner: ProcessRunner;
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  redact: Redactor;
  /** each output line, already redacted */
  onLine?: (line: string) => void;
}

const NOTHING: { max: number } = { max: 0 };

/**
 * Runs one migration-tool command through the process runner: argv, no shell,
 * its own process group so a timeout stops the tool and whatever it started.
 * Resolves with the redacted output; a non-zero exit or the timeout is a
 * UserError carrying its tail.
 */
export async function runTool(argv: string[], options: ToolRunOptions): Promise<string> {
  const [file] = argv;
  if (!file) throw new UserError('MIGRATION_TOOL', 'the migration command is empty');
  let output = '';
  const result = await options.runner
    .run(argv, {
      cwd: options.cwd,
      env: options.env,
      // the tool sees the controller's whole environment (its own settings, PATH for npx…)
      passEnv: 'all',
      timeoutMs: options.timeoutMs,
      // stdout and stderr are read line by line below, in the order they arrive
      stdout: NOTHING,
      stderr: NOTHING,
      onLine: (line) => {
        const clean = options.redact(line);
        output = `${output}${clean}\n`.slice(-64_000);
        options.onLine?.(clean);
      },
    })
    .catch((error: unknown) => {
      const cause = (error as Error).cause as Error | undefined;
      throw new UserError(
        'MIGRATION_TOOL',
        `could not run ${file}: ${options.redact((cause ?? (error as Error)).message)}`,
      );
    });
  const tail = output.trim().split('\n').slice(-8).join('\n');
  if (result.timedOut)
    throw new UserError(
      'MIGRATION_TOOL_TIMEOUT',
      `${file} ran longer than ${options.timeoutMs}ms and was stopped: ${tail || 'no output'}`,
    );
  if (result.code !== 0)
    throw new UserError(
      'MIGRATION_TOOL_FAILED',
      `${file} failed (${result.signal ?? `exit ${result.code}`}): ${tail || 'no output'}`,
    );
  return output;
}
