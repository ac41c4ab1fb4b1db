import type { Command } from 'commander';
import type { ApprovalResult } from '../../app/approvals/index.js';
import { ExitCode } from '../../core/errors.js';
import { rollbackRestored } from '../../core/model.js';
import { action } from '../action.js';
import { connect } from '../connect.js';
import { onInterrupt } from '../live.js';
import type { GlobalOptions } from '../options.js';
import { withGlobalOptions } from '../options.js';
import { color, printJson, printLines, say, table, time } from '../output.js';
import { follow, rollbackExitCode } from './undo-follow.js';

/** `rewind approve <id>` / `rewind reject <id> --reason R` / `rewind approvals`. */
export interface ApproveOptions extends GlobalOptions {
  reason?: string;
  wait: boolean;
}

export async function approveCommand(options: ApproveOptions, id: string): Promise<number> {
  const connection = await connect(options);
  try {
    const result: ApprovalResult = await connection.api.approve({
      id,
      actor: connection.actor,
      ...(options.reason ? { reason: options.reason } : {}),
    });
    if (!options.json)
      say(
        `approval ${id} approved by ${result.approval.decidedBy ?? connection.actor.name}${result.rollback ? `: rollback ${result.rollback.id} started` : ''}`,
      );
    const rollback = result.rollback;
    // Ctrl-C leaves the approved rollback running in the controller, and says so
    const interrupted =
      rollback && connection.mode === 'controller'
        ? onInterrupt(`rollback ${rollback.id}`, rollback.service)
        : () => undefined;
    const final = rollback && options.wait ? await follow(connection.api, rollback, { quiet: options.json }) : rollback;
    interrupted();
    if (options.json) printJson({ ...result, rollback: final });
    else if (final && options.wait)
      say(
        `rollback ${final.id}: ${rollbackRestored(final.status) ? color.green(final.status) : color.red(final.status)}`,
      );
    return final && options.wait ? rollbackExitCode(final.status) : ExitCode.ok;
  } finally {
    await connection.close();
  }
}

export async function rejectCommand(options: ApproveOptions, id: string): Promise<number> {
  const connection = await connect(options);
  try {
    const result = await connection.api.reject({
      id,
      actor: connection.actor,
      ...(options.reason ? { reason: options.reason } : {}),
    });
    if (options.json) printJson(result);
    else say(`approval ${id} rejected by ${result.approval.decidedBy ?? connection.actor.name}: ${options.reason}`);
    return ExitCode.ok;
  } finally {
    await connection.close();
  }
}

export async function approvalsCommand(options: GlobalOptions & { service?: string; all: boolean }): Promise<number> {
  const connection = await connect(options);
  try {
    const list = await connection.api.approvals({
      ...(options.service ? { service: options.service } : {}),
      ...(options.env ? { environment: options.env } : {}),
      ...(options.all ? { status: ['pending', 'approved', 'rejected', 'timed-out'] } : {}),
    });
    if (options.json) printJson(list);
    else
      printLines(
        table(
          list.map((a) => [
            a.id,
            a.service,
            a.environment,
            a.status,
            time(a.deadline),
            a.onTimeout,
            a.requestedBy,
            a.decidedBy,
            a.reason,
          ]),
          ['ID', 'SERVICE', 'ENV', 'STATUS', 'DEADLINE', 'ON TIMEOUT', 'REQUESTED BY', 'DECIDED BY', 'REASON'],
        ),
      );
    return ExitCode.ok;
  } finally {
    await connection.close();
  }
}

export function register(program: Command): void {
  withGlobalOptions(
    program
      .command('approve <id>')
      .description('approve a pending approval (a rollback the policy asked about, or a protected undo)'),
  )
    .option('--reason <text>', 'why (recorded)')
    .option('--no-wait', 'return once the rollback has started')
    .action(action(approveCommand));
  withGlobalOptions(program.command('reject <id>').description('reject a pending approval'))
    .requiredOption('--reason <text>', 'why (recorded, shown in the report)')
    .action(action(rejectCommand));
  withGlobalOptions(program.command('approvals').description('pending approvals with their deadlines'))
    .option('--service <name>', 'only this service')
    .option('--all', 'decided ones too', false)
    .action(action(approvalsCommand));
}
