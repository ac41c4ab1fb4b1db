import type { Command } from 'commander';
import type { FlagResult, ReleaseFlags } from '../../app/ops/flags.js';
import { ExitCode, UserError } from '../../core/errors.js';
import { action } from '../action.js';
import type { GlobalOptions } from '../options.js';
import { withGlobalOptions } from '../options.js';
import { color, printJson, printLines, say, table } from '../output.js';
import { connectOps } from './ops-connect.js';

export interface FlagOptions extends GlobalOptions {
  reason?: string;
}

/** `rewind flag off|on <service> <FLAG>` and `rewind flag list <service>`. */
export async function flag(options: FlagOptions, verb: string, service: string, name?: string): Promise<number> {
  if (verb !== 'on' && verb !== 'off' && verb !== 'list')
    throw new UserError('BAD_USAGE', `rewind flag expects off, on or list, got "${verb}"`, {
      exitCode: ExitCode.usage,
    });
  if (verb !== 'list' && !name)
    throw new UserError('BAD_USAGE', `rewind flag ${verb} ${service} needs the flag's name (an environment variable)`, {
      exitCode: ExitCode.usage,
    });
  const connection = await connectOps(options);
  try {
    if (verb === 'list') {
      const releases: ReleaseFlags[] = await connection.api.flags(service, options.env);
      if (options.json) printJson(releases);
      else
        printLines(
          table(
            releases.map((r) => [
              r.revision,
              r.version,
              r.status,
              Object.entries(r.flags)
                .map(([k, v]) => `${k}=${v}`)
                .join(' ') || null,
            ]),
            ['REVISION', 'VERSION', 'STATUS', 'FLAGS'],
          ),
        );
      return ExitCode.ok;
    }
    if (!options.json)
      say(color.dim(`setting ${name}=${verb === 'on'} on ${service}, restarting one instance at a time…`));
    const result: FlagResult = await connection.api.setFlag({
      service,
      flag: name as string,
      on: verb === 'on',
      ...(options.env ? { environment: options.env } : {}),
      ...(options.reason ? { reason: options.reason } : {}),
      actor: connection.actor,
    });
    if (options.json) printJson(result);
    else
      say(
        `${service} ${result.version} (r${result.revision}) in ${result.environment}: ${result.flag}=${result.value}`,
      );
    return ExitCode.ok;
  } finally {
    await connection.close();
  }
}

export function register(program: Command): void {
  withGlobalOptions(
    program
      .command('flag <verb> <service> [flag]')
      .description('feature flags of the live release: off|on <service> <FLAG> (rolling restart), list <service>'),
  )
    .option('--reason <text>', 'why (recorded in the audit log)')
    .action(action(flag));
}
