import { spawn } from 'node:child_process';
import { UserError } from '../../core/errors.js';
import type { Redactor } from '../shared/redact.js';

export interface ToolRunOptions {
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  redact: Redactor;
  /** each output line, already redacted */
  onLine?: (line: string) => void;
}

/**
 * Runs one migration-tool command: argv, no shell, in its own process group so
 * a timeout stops the tool and whatever it started. Resolves with the redacted
 * output; a non-zero exit or the timeout is a UserError carrying its tail.
 */
export function runTool(argv: string[], options: ToolRunOptions): Promise<string> {
  const [file, ...args] = argv;
  if (!file) return Promise.reject(new UserError('MIGRATION_TOOL', 'the migration command is empty'));
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    let partial = '';
    const take = (chunk: Buffer): void => {
      const text = partial + chunk.toString('utf8');
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) emit(line);
    };
    const emit = (line: string): void => {
      const clean = options.redact(line);
      output = `${output}${clean}\n`.slice(-64_000);
      options.onLine?.(clean);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        // already gone
      }
    }, options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new UserError('MIGRATION_TOOL', `could not run ${file}: ${options.redact(error.message)}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (partial) emit(partial);
      const tail = output.trim().split('\n').slice(-8).join('\n');
      if (timedOut)
        return reject(
          new UserError(
            'MIGRATION_TOOL_TIMEOUT',
            `${file} ran longer than ${options.timeoutMs}ms and was stopped: ${tail || 'no output'}`,
          ),
        );
      if (code !== 0)
        return reject(
          new UserError(
            'MIGRATION_TOOL_FAILED',
            `${file} failed (${signal ?? `exit ${code}`}): ${tail || 'no output'}`,
          ),
        );
      resolve(output);
    });
  });
}
