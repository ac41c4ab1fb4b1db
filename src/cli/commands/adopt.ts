import type { Command } from 'commander';
import { ExitCode } from '../../core/errors.js';
import { action } from '../action.js';
import type { GlobalOptions } from '../options.js';
import { withGlobalOptions } from '../options.js';
import { color, printJson, say } from '../output.js';
import { connectOps } from './ops-connect.js';

export interface AdoptOptions extends GlobalOptions {
  /** the version to record; default the tag the containers were started from */
  as?: string;
  reason?: string;
}

/** `rewind adopt <service>`: running containers (a Compose project's) become the live release, untouched. */
export async function adopt(options: AdoptOptions, service: string): Promise<number> {
  const connection = await connectOps(options);
  try {
    if (!options.json) say(color.dim(`adopting the running containers of ${service}…`));
    const result = await connection.api.adopt({
      service,
      ...(options.env ? { environment: options.env } : {}),
      ...(options.as ? { version: options.as } : {}),
      ...(options.reason ? { reason: options.reason } : {}),
      actor: connection.actor,
    });
    if (options.json) printJson(result);
    else {
      for (const line of result.output) say(color.dim(`  ${line}`));
      say(
        `${service} ${result.version} (r${result.revision}) in ${result.environment} is live: ${result.instances} containers adopted, running ${result.artifact}`,
      );
    }
    return ExitCode.ok;
  } finally {
    await connection.close();
  }
}

export function register(program: Command): void {
  withGlobalOptions(
    program
      .command('adopt <service>')
      .description(
        'take the containers already running for a service (selected by driver.adopt.labels, by default the Compose service label) as its live release, without restarting them',
      ),
  )
    .option('--as <version>', 'the version to record (default: the tag the containers were started from)')
    .option('--reason <text>', 'why (recorded in the audit log)')
    .action(action(adopt));
}
