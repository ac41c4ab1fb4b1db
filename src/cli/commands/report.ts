import type { Command } from 'commander';
import { ExitCode, UserError } from '../../core/errors.js';
import { renderIncidentMarkdown } from '../../report/index.js';
import { action } from '../action.js';
import { connect } from '../connect.js';
import type { GlobalOptions } from '../options.js';
import { withGlobalOptions } from '../options.js';
import { printJson } from '../output.js';

export interface ReportOptions extends GlobalOptions {
  format: string;
}

/** `rewind report <rollback-id> [--format md|json]`: the incident report, rebuilt from the store. */
export async function report(options: ReportOptions, rollbackId: string): Promise<number> {
  const format = options.json ? 'json' : options.format;
  if (format !== 'md' && format !== 'json') {
    throw new UserError('BAD_USAGE', `--format expects md or json, got "${options.format}"`, {
      exitCode: ExitCode.usage,
    });
  }
  const connection = await connect(options);
  try {
    const built = await connection.api.report(rollbackId);
    if (format === 'json') printJson(built);
    else process.stdout.write(renderIncidentMarkdown(built));
    return ExitCode.ok;
  } finally {
    await connection.close();
  }
}

export function register(program: Command): void {
  withGlobalOptions(
    program
      .command('report <rollback-id>')
      .description('the incident report of a rollback: timeline, evidence, steps, recovery times'),
  )
    .option('--format <format>', 'md or json', 'md')
    .action(action(report));
}
