import type { Command } from 'commander';
import type { ConfigDiff } from '../../app/config-files/diff.js';
import { ExitCode, UserError } from '../../core/errors.js';
import { action } from '../action.js';
import type { GlobalOptions } from '../options.js';
import { withGlobalOptions } from '../options.js';
import { printJson } from '../output.js';
import { connectOps } from './ops-connect.js';

export interface ConfigDiffOptions extends GlobalOptions {
  from: string;
  to: string;
}

const revision = (flag: string, value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new UserError('BAD_USAGE', `${flag} expects a revision number, got "${value}"`, { exitCode: ExitCode.usage });
  return n;
};

/** `rewind config diff <service> --from N --to M`: config files of two releases, secrets masked. */
export async function configDiffCommand(options: ConfigDiffOptions, service: string): Promise<number> {
  const from = revision('--from', options.from);
  const to = revision('--to', options.to);
  const connection = await connectOps(options);
  try {
    const diff: ConfigDiff = await connection.api.configDiff({
      service,
      ...(options.env ? { environment: options.env } : {}),
      from,
      to,
    });
    if (options.json) {
      printJson(diff);
      return ExitCode.ok;
    }
    for (const file of diff.files) {
      process.stdout.write(
        `${file.path} (${file.change}): ${diff.from.version} (r${diff.from.revision}) → ${diff.to.version} (r${diff.to.revision})\n`,
      );
      // data on stdout stays plain: it is often piped or saved
      for (const line of file.lines) process.stdout.write(`${line}\n`);
    }
    return ExitCode.ok;
  } finally {
    await connection.close();
  }
}

export function register(program: Command): void {
  const config = program.command('config').description('the config files kept per release');
  withGlobalOptions(
    config.command('diff <service>').description('what changed in the config files between two releases'),
  )
    .requiredOption('--from <revision>', 'the older revision')
    .requiredOption('--to <revision>', 'the newer revision')
    .action(action(configDiffCommand));
}
