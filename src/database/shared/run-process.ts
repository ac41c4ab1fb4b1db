import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { UserError } from '../../core/errors.js';
import type { Redactor } from './redact.js';

/** Options of {@link runProcess}. */
export interface RunOptions {
  /** extra environment variables (connection settings, passwords) — never logged */
  env?: Record<string, string>;
  /** a file fed to stdin; default none */
  stdinFile?: string;
  /** a stream fed to stdin (after `stdinPrefix`, before `stdinSuffix`) */
  stdin?: Readable;
  stdinPrefix?: string;
  stdinSuffix?: string;
  /** write stdout to this file instead of collecting it */
  stdoutFile?: string;
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
      stdio: ['pipe', options.stdoutFile ? 'pipe' : 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let outFinished: Promise<void> = Promise.resolve();
    if (options.stdoutFile) {
      const out = createWriteStream(options.stdoutFile);
      child.stdout.pipe(out);
      outFinished = new Promise((res, rej) => {
        out.on('finish', () => res());
        out.on('error', rej);
      });
    } else {
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => (stdout += chunk));
    }
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      // keep the tail only: pg_restore can be chatty on big restores
      stderr = (stderr + chunk).slice(-16_000);
    });
    child.stdin.on('error', () => {
      /* the child may exit before reading all of stdin; its exit code tells */
    });
    feedStdin(child.stdin, options);
    child.on('error', (error) => {
      reject(new UserError('DB_BINARY_FAILED', `could not run ${binary}: ${options.redact(error.message)}`));
    });
    child.on('close', (code, signal) => {
      void outFinished.then(() => {
        if (code === 0) {
          resolve({ stdout, stderr: options.redact(stderr) });
          return;
        }
        const name = binary.split('/').pop() ?? binary;
        const why = options.redact(stderr.trim()).split('\n').slice(-8).join('\n');
        reject(
          new UserError(options.errorCode ?? 'DB_COMMAND_FAILED', `${name} failed (${signal ?? `exit ${code}`}): ${why || 'no output'}`),
        );
      }, reject);
    });
  });
}

function feedStdin(stdin: NodeJS.WritableStream, options: RunOptions): void {
  if (options.stdinFile) {
    createReadStream(options.stdinFile).pipe(stdin);
    return;
  }
  if (options.stdin) {
    if (options.stdinPrefix) stdin.write(options.stdinPrefix);
    options.stdin.pipe(stdin, { end: false });
    options.stdin.on('end', () => {
      if (options.stdinSuffix) stdin.write(options.stdinSuffix);
      stdin.end();
    });
    return;
  }
  if (options.stdinPrefix || options.stdinSuffix) stdin.write((options.stdinPrefix ?? '') + (options.stdinSuffix ?? ''));
  stdin.end();
}
