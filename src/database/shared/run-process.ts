import { UserError } from '../../core/errors.js';
import { ProcessStartError, runProcess as run } from '../../process/index.js';
import type { Redactor } from './redact.js';

/** Options of {@link runProcess}. */
export interface RunOptions {
  /** extra environment variables (connection settings, passwords) — never logged */
  env?: Record<string, string>;
  /** a file fed to stdin; default none */
  stdinFile?: string;
  /** cleans secrets out of stderr before it goes into an error; required */
  redact: Redactor;
  /** error code of the UserError thrown on a non-zero exit; default DB_COMMAND_FAILED */
  errorCode?: string;
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

/**
 * Runs a database client binary (pg_dump, psql, mysqldump…) through the one
 * process runner. A non-zero exit becomes a UserError whose message carries the
 * redacted tail of stderr; the arguments are never echoed because they may hold
 * connection details.
 */
export async function runProcess(binary: string, args: string[], options: RunOptions): Promise<RunResult> {
  const errorCode = options.errorCode ?? 'DB_COMMAND_FAILED';
  const result = await run([binary, ...args], {
    // client binaries read PG*/MYSQL* settings of the environment, and stay in the
    // caller's process group so a Ctrl-C of `rewind db …` reaches them too
    passEnv: 'all',
    ownGroup: false,
    ...(options.env ? { env: options.env } : {}),
    ...(options.stdinFile ? { stdinFile: options.stdinFile } : {}),
    stdout: { max: Number.MAX_SAFE_INTEGER },
    // keep the tail only: pg_restore can be chatty on big restores
    stderr: { max: 16_000, keep: 'tail' },
  }).catch((error: Error) => {
    const cause = error.cause as Error | undefined;
    if (error instanceof ProcessStartError && error.stage === 'input' && cause)
      throw new UserError(errorCode, `could not read the input of ${binary}: ${options.redact(cause.message)}`);
    throw new UserError('DB_BINARY_FAILED', `could not run ${binary}: ${options.redact((cause ?? error).message)}`);
  });
  if (result.code === 0) return { stdout: result.stdout, stderr: options.redact(result.stderr) };
  const name = binary.split('/').pop() ?? binary;
  const why = options.redact(result.stderr.trim()).split('\n').slice(-8).join('\n');
  throw new UserError(errorCode, `${name} failed (${result.signal ?? `exit ${result.code}`}): ${why || 'no output'}`);
}
