import { spawn } from 'node:child_process';
import { childEnvironment } from '../../core/child-env.js';

export interface RunCommandOptions {
  cwd: string;
  /** set for the command, on top of the inherited minimum */
  env?: Record<string, string>;
  /** more variables of the controller's environment to pass through; default none */
  passEnv?: readonly string[];
  timeoutMs: number;
  signal?: AbortSignal;
  /** each output line as it arrives */
  onLine?: (line: string) => void;
  /** told the process group (the child's pid) right after it starts */
  onSpawn?: (processGroup: number) => void;
}

export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const MAX_CAPTURE = 1_000_000;

/**
 * Runs an argv without a shell (no quoting surprises, no injection through
 * placeholders), in its own process group so a timeout kills everything it
 * started. Resolves with the exit status; it never throws for a non-zero exit.
 */
export function runCommand(argv: string[], options: RunCommandOptions): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const [file, ...args] = argv;
    if (!file) {
      reject(new Error('empty command'));
      return;
    }
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: childEnvironment(process.env, options.passEnv, options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    if (child.pid) options.onSpawn?.(child.pid);
    let stdout = '';
    let stderr = '';
    let partial = '';
    const onData = (which: 'out' | 'err') => (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      if (which === 'out' && stdout.length < MAX_CAPTURE) stdout += text;
      if (which === 'err' && stderr.length < MAX_CAPTURE) stderr += text;
      if (options.onLine) {
        partial += text;
        const lines = partial.split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) options.onLine(line);
      }
    };
    child.stdout.on('data', onData('out'));
    child.stderr.on('data', onData('err'));
    const kill = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      kill();
      stderr += `\n(killed after ${options.timeoutMs}ms)`;
    }, options.timeoutMs);
    const onAbort = () => kill();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (error) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      reject(new Error(`cannot run ${file}: ${(error as NodeJS.ErrnoException).code ?? error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (partial && options.onLine) options.onLine(partial);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Replaces {name} placeholders; unknown placeholders are left as they are. */
export function fillPlaceholders(text: string, values: Record<string, string | number>): string {
  return text.replace(/\{(\w+)\}/g, (whole, key: string) => (key in values ? String(values[key]) : whole));
}
