import type { Command } from 'commander';
import { ExitCode } from '../../core/errors.js';
import { action } from '../action.js';
import type { GlobalOptions } from '../options.js';
import { withGlobalOptions } from '../options.js';
import { color, printJson, printLines, say, table, time } from '../output.js';
import { connectGate } from './gate-connect.js';

interface ReasonOptions extends GlobalOptions {
  reason?: string;
}

/** `rewind gate <service> <version>`: exit 0 when it may be deployed now, 5 when quarantined or frozen. */
export async function gateCommand(options: GlobalOptions, service: string, version: string): Promise<number> {
  const connection = await connectGate(options);
  try {
    const answer = await connection.api.gate({
      service,
      version,
      ...(options.env ? { environment: options.env } : {}),
    });
    if (options.json) printJson(answer);
    else if (answer.allowed) say(`${service} ${version} may be deployed to ${answer.environment}`);
    else say(`${color.red('not allowed:')} ${answer.reason}`);
    return answer.allowed ? ExitCode.ok : ExitCode.notAllowed;
  } finally {
    await connection.close();
  }
}

async function quarantineList(options: GlobalOptions): Promise<number> {
  const connection = await connectGate(options);
  try {
    const entries = await connection.api.quarantine(options.env ? { environment: options.env } : {});
    if (options.json) printJson(entries);
    else if (entries.length === 0) say('no release is quarantined');
    else
      printLines(
        table(
          entries.map((e) => [e.service, e.environment, e.version, e.revision, time(e.since), e.rollbackId]),
          ['SERVICE', 'ENVIRONMENT', 'VERSION', 'REVISION', 'SINCE (UTC)', 'ROLLBACK'],
        ),
      );
    return ExitCode.ok;
  } finally {
    await connection.close();
  }
}

async function quarantineLift(options: ReasonOptions, service: string, version: string): Promise<number> {
  const connection = await connectGate(options);
  try {
    const entry = await connection.api.lift({
      service,
      version,
      reason: options.reason ?? '',
      ...(options.env ? { environment: options.env } : {}),
      actor: connection.actor,
    });
    if (options.json) printJson(entry);
    else say(`${service} ${entry.version} (revision ${entry.revision}) in ${entry.environment} may be deployed again`);
    return ExitCode.ok;
  } finally {
    await connection.close();
  }
}

export function register(program: Command): void {
  withGlobalOptions(
    program
      .command('gate <service> <version>')
      .description('may this version be deployed now? exit 0 yes, 5 quarantined or frozen (for CI and PreSync hooks)'),
  ).action(action(gateCommand));
  const quarantine = program.command('quarantine').description('releases kept from deploys after their rollback');
  withGlobalOptions(quarantine.command('list').description('quarantined releases')).action(action(quarantineList));
  withGlobalOptions(
    quarantine.command('lift <service> <version>').description('let a rolled-back version be deployed again'),
  )
    .requiredOption('--reason <text>', 'why it is safe now (recorded in the audit log)')
    .action(action(quarantineLift));
}
