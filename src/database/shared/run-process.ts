import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { UserError } from '../../core/errors.js';
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
 * Runs a database client binary (pg_dump, psql, mysqldump…). A non-zero exit
 * becomes a UserError whose message carries the redacted tail of stderr; the
 * arguments are never echoed because they may hold connection details.
 */
export function runProcess(binary: string, args: string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, {
      env: { ...process.env, ...options.env },
      stdio: 'pipe',
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      // keep the tail only: pg_restore can be chatty on big restores
      stderr = (stderr + chunk).slice(-16_000);
    });
    child.stdin.on('error', () => {
      /* the child may exit before reading all of stdin; its exit code tells */
    });
    let inputError: Error | null = null;
    feedStdin(child.stdin, options, (error) => {
      // an unreadable input must fail the command, never look like an empty one
      inputError = error;
      child.kill('SIGTERM');
    });
    child.on('error', (error) => {
      reject(new UserError('DB_BINARY_FAILED', `could not run ${binary}: ${options.redact(error.message)}`));
    });
    child.on('close', (code, signal) => {
      if (inputError) {
        reject(
          new UserError(
            options.errorCode ?? 'DB_COMMAND_FAILED',
            `could not read the input of ${binary}: ${options.redact((inputError as Error).message)}`,
          ),
        );
        return;
      }
      if (code === 0) {
        resolve({ stdout, stderr: options.redact(stderr) });
        return;
      }
      const name = binary.split('/').pop() ?? binary;
      const why = options.redact(stderr.trim()).split('\n').slice(-8).join('\n');
      reject(
        new UserError(
          options.errorCode ?? 'DB_COMMAND_FAILED',
          `${name} failed (${signal ?? `exit ${code}`}): ${why || 'no output'}`,
        ),
      );
    });
  });
}

function feedStdin(stdin: NodeJS.WritableStream, options: RunOptions, onError: (error: Error) => void): void {
  if (!options.stdinFile) {
    stdin.end();
    return;
  }
  const input = createReadStream(options.stdinFile);
  input.on('error', onError);
  input.pipe(stdin);
}
