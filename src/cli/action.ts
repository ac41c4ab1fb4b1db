import type { Command } from 'commander';
import { ExitCode, isUserError } from '../core/errors.js';
import type { GlobalOptions } from './options.js';
import { color, printJson } from './output.js';
import { useCa } from './transport.js';

/**
 * Wraps a command: hands it (options, ...positionals), turns its result and
 * errors into exit codes. Only this place maps errors to exit codes (STYLE.md §6).
 */
export function action<O extends GlobalOptions>(fn: (options: O, ...positionals: string[]) => Promise<number>) {
  return async (...args: unknown[]): Promise<void> => {
    const command = args.at(-1) as Command;
    const options = command.optsWithGlobals() as O;
    const positionals = args.slice(0, -2).map((a) => a as string);
    try {
      useCa(options.ca);
      process.exitCode = await fn(options, ...positionals);
    } catch (error) {
      process.exitCode = reportError(error, options);
    }
  };
}

export function reportError(error: unknown, options: Pick<GlobalOptions, 'json' | 'debug'>): number {
  if (isUserError(error)) {
    if (options.json)
      printJson({
        error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) },
      });
    process.stderr.write(`${color.red('error:')} ${error.message}\n`);
    if (options.debug && error.stack) process.stderr.write(`${error.stack}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  if (options.json) printJson({ error: { code: 'INTERNAL', message } });
  process.stderr.write(`${color.red('internal error:')} ${message}\n`);
  if (options.debug && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  else process.stderr.write('(run again with --debug for the stack trace)\n');
  return ExitCode.failed;
}
