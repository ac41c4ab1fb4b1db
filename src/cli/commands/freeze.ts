import type { Command } from 'commander';
import { ExitCode, UserError } from '../../core/errors.js';
import { action } from '../action.js';
import type { GlobalOptions } from '../options.js';
import { withGlobalOptions } from '../options.js';
import { printJson, printLines, say, table, time } from '../output.js';
import { connectGate } from './gate-connect.js';

interface FreezeOptions extends GlobalOptions {
  service?: string;
  reason?: string;
}

const needEnv = (options: FreezeOptions): string => {
  if (!options.env)
    throw new UserError('USAGE', 'name the environment to freeze: --env <environment>', { exitCode: 2 });
  return options.env;
};

async function freezeStart(options: FreezeOptions): Promise<number> {
  const environment = needEnv(options);
  const connection = await connectGate(options);
  try {
    const event = await connection.api.startFreeze({
      environment,
      reason: options.reason ?? '',
      ...(options.service ? { service: options.service } : {}),
      actor: connection.actor,
    });
    if (options.json) printJson(event);
    else say(`${event.message}; rollbacks are still allowed. End it with: rewind freeze end --env ${environment}`);
    return ExitCode.ok;
  } finally {
    await connection.close();
  }
}

async function freezeEnd(options: FreezeOptions): Promise<number> {
  const environment = needEnv(options);
  const connection = await connectGate(options);
  try {
    const events = await connection.api.endFreeze({
      environment,
      ...(options.reason ? { reason: options.reason } : {}),
      ...(options.service ? { service: options.service } : {}),
      actor: connection.actor,
    });
    if (options.json) printJson(events);
    else for (const event of events) say(event.message);
    return ExitCode.ok;
  } finally {
    await connection.close();
  }
}

async function freezeList(options: FreezeOptions): Promise<number> {
  const connection = await connectGate(options);
  try {
    const frozen = await connection.api.freezes({
      ...(options.env ? { environment: options.env } : {}),
      ...(options.service ? { service: options.service } : {}),
    });
    if (options.json) printJson(frozen);
    else if (frozen.length === 0) say('nothing is frozen now');
    else {
      const rows = frozen.flatMap((f) =>
        f.freezes.map((z) => [
          f.service,
          f.environment,
          z.name,
          z.endsAt === null ? 'by hand' : time(z.endsAt),
          z.reason,
        ]),
      );
      printLines(table(rows, ['SERVICE', 'ENVIRONMENT', 'FREEZE', 'ENDS (UTC)', 'REASON']));
    }
    return ExitCode.ok;
  } finally {
    await connection.close();
  }
}

export function register(program: Command): void {
  const freeze = program.command('freeze').description('refuse forward deploys for a while (rollbacks stay allowed)');
  withGlobalOptions(freeze.command('start').description('freeze deploys to an environment until `freeze end`'))
    .option('--service <service>', 'only this service')
    .requiredOption('--reason <text>', 'why (shown to whoever tries to deploy)')
    .action(action(freezeStart));
  withGlobalOptions(
    freeze.command('end').description('end the ad-hoc freeze, or an incident freeze, of an environment'),
  )
    .option('--service <service>', 'only this service')
    .option('--reason <text>', 'why (recorded in the audit log)')
    .action(action(freezeEnd));
  withGlobalOptions(freeze.command('list').description('freezes in force now, configured and ad-hoc'))
    .option('--service <service>', 'only this service')
    .action(action(freezeList));
}
