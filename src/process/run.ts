import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { childEnvironment } from '../core/child-env.js';
import type { ProcessResult, ProcessRunOptions } from '../core/ports/process.js';
import { appendCaptured, DEFAULT_CAPTURE, lineSplitter } from './output.js';

/** Why a run could not start (`spawn`), or its stdin file could not be read (`input`); `code` is the errno code. */
export class ProcessStartError extends Error {
  readonly code: string;
  readonly stage: 'spawn' | 'input';
  constructor(message: string, code: string, cause: unknown, stage: 'spawn' | 'input' = 'spawn') {
    super(message, { cause });
    this.name = 'ProcessStartError';
    this.code = code;
    this.stage = stage;
  }
}

function environmentOf(options: ProcessRunOptions): Record<string, string> {
  if (options.passEnv === 'all') return childEnvironment(process.env, Object.keys(process.env), options.env);
  return childEnvironment(process.env, options.passEnv, options.env);
}

/** SIGKILL (or `signal`) to the whole group, or to the child alone; one that has ended already is fine. */
function kill(pid: number | undefined, group: boolean, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    if (pid) process.kill(group ? -pid : pid, signal);
  } catch {
    // already gone
  }
}

function feedStdin(stdin: Writable, file: string | undefined, onError: (error: Error) => void): void {
  // the child may exit before reading all of stdin; its exit status tells
  stdin.on('error', () => undefined);
  if (!file) {
    stdin.end();
    return;
  }
  const input = createReadStream(file);
  input.on('error', onError);
  input.pipe(stdin);
}

/**
 * Runs an argv without a shell (no quoting surprises, no injection through
 * placeholders), in its own process group so a timeout or an abort kills
 * everything it started. Resolves with the exit status; never throws for a
 * non-zero exit.
 */
export function runProcess(argv: readonly string[], options: ProcessRunOptions = {}): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const [file, ...args] = argv;
    if (!file) {
      reject(new ProcessStartError('empty command', 'EMPTY', null));
      return;
    }
    const ownGroup = options.ownGroup ?? true;
    const child = spawn(file, args, {
      ...(options.cwd ? { cwd: options.cwd } : {}),
      env: environmentOf(options),
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: ownGroup,
    });
    if (child.pid) options.onSpawn?.(child.pid);
    const outCapture = options.stdout ?? DEFAULT_CAPTURE;
    const errCapture = options.stderr ?? DEFAULT_CAPTURE;
    const outLines = lineSplitter(options.onLine);
    const errLines = lineSplitter(options.onLine);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      stdout = appendCaptured(stdout, text, outCapture);
      outLines.push(text);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      stderr = appendCaptured(stderr, text, errCapture);
      errLines.push(text);
    });
    let inputError: Error | null = null;
    feedStdin(child.stdin, options.stdinFile, (error) => {
      // an unreadable input must fail the run, never look like an empty one
      inputError = error;
      kill(child.pid, ownGroup, 'SIGTERM');
    });
    let timedOut = false;
    const timer =
      options.timeoutMs === undefined
        ? null
        : setTimeout(() => {
            timedOut = true;
            kill(child.pid, ownGroup);
          }, options.timeoutMs);
    const onAbort = () => kill(child.pid, ownGroup);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const settle = () => {
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      settle();
      reject(
        new ProcessStartError(`cannot run ${file}: ${error.code ?? error.message}`, error.code ?? 'ESPAWN', error),
      );
    });
    child.on('close', (code, signal) => {
      settle();
      outLines.flush();
      errLines.flush();
      if (inputError) {
        const why = (inputError as NodeJS.ErrnoException).code ?? 'EINPUT';
        reject(
          new ProcessStartError(`cannot read the input of ${file}: ${inputError.message}`, why, inputError, 'input'),
        );
        return;
      }
      if (timedOut) stderr += `\n(killed after ${options.timeoutMs}ms)`;
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}
