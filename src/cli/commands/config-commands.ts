import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { checkConfig } from '../../config/load.js';
import { formatIssue } from '../../config/issues.js';
import { STARTER_CONFIG } from '../../config/starter.js';
import { ExitCode, UserError } from '../../core/errors.js';
import type { GlobalOptions } from '../options.js';
import { withGlobalOptions } from '../options.js';
import { action } from '../action.js';
import { printJson, say } from '../output.js';

/** `rewind validate`: every problem at once, `file:line:col key.path: message`; exit 2 on errors. */
export async function validate(options: GlobalOptions): Promise<number> {
  const path = resolve(options.config);
  if (!existsSync(path))
    throw new UserError('CONFIG_NOT_FOUND', `no config at ${options.config} — create one with: rewind init`, {
      exitCode: ExitCode.usage,
    });
  const { issues } = checkConfig(options.config, readFileSync(path, 'utf8'), process.env, dirname(path));
  const errors = issues.filter((i) => i.severity === 'error');
  if (options.json) printJson({ valid: errors.length === 0, issues });
  else {
    for (const issue of issues) process.stdout.write(`${formatIssue(issue)}\n`);
    say(
      errors.length
        ? `${options.config}: ${errors.length} error${errors.length === 1 ? '' : 's'}`
        : `${options.config} is valid`,
    );
  }
  return errors.length ? ExitCode.usage : ExitCode.ok;
}

/** `rewind init`: a commented starter file that validates. */
export async function init(options: GlobalOptions & { force?: boolean }): Promise<number> {
  const path = resolve(options.config);
  if (existsSync(path) && !options.force) {
    throw new UserError('EXISTS', `${options.config} already exists; pass --force to overwrite it`, {
      exitCode: ExitCode.usage,
    });
  }
  writeFileSync(path, STARTER_CONFIG);
  if (options.json) printJson({ written: options.config });
  else say(`wrote ${options.config} — check it with: rewind validate`);
  return ExitCode.ok;
}

export function register(program: Command): void {
  withGlobalOptions(
    program.command('validate').description('check rewind.yaml and print every problem at once'),
  ).action(action(validate));
  withGlobalOptions(program.command('init').description('write a commented starter rewind.yaml'))
    .option('--force', 'overwrite an existing file', false)
    .action(action(init));
}
