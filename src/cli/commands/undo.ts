import type { Command } from 'commander';
import type { UndoResult } from '../../app/undo.js';
import { ExitCode, UserError } from '../../core/errors.js';
import type { Approval } from '../../core/model.js';
import { isTerminalRollback, rollbackRestored } from '../../core/model.js';
import { action } from '../action.js';
import { connect } from '../connect.js';
import { confirmOrRefuse, defaultEnvironment, needsConfirmation } from '../confirm.js';
import { onInterrupt } from '../live.js';
import { withGlobalOptions } from '../options.js';
import { color, printJson, say } from '../output.js';
import { undoGroup } from './undo-group.js';
import type { GroupOptions, UndoOptions } from './undo-follow.js';
import { follow, goesOnLines, rollbackExitCode } from './undo-follow.js';

export async function undo(options: UndoOptions & GroupOptions, service?: string): Promise<number> {
  if (options.waitStable && !options.wait)
    throw new UserError(
      'BAD_USAGE',
      '--wait-stable follows the rollback to its end and --no-wait returns at once: pick one',
      {
        exitCode: ExitCode.usage,
      },
    );
  if (options.all || options.group) {
    if (service)
      throw new UserError('BAD_USAGE', `name a service, or use --all / --group, not both`, {
        exitCode: ExitCode.usage,
      });
    return undoGroup(options);
  }
  if (!service)
    throw new UserError('BAD_USAGE', 'rewind undo needs a service, --all or --group <name>', {
      exitCode: ExitCode.usage,
    });
  const toRevision = options.toRevision === undefined ? undefined : Number(options.toRevision);
  if (toRevision !== undefined && (!Number.isInteger(toRevision) || toRevision < 1)) {
    throw new UserError('BAD_USAGE', `--to-revision expects a revision number, got "${options.toRevision}"`, {
      exitCode: ExitCode.usage,
    });
  }
  const connection = await connect(options);
  try {
    if (connection.mode === 'in-process' && !options.wait && !options.dryRun) {
      // nobody would be left to finish it: the rollback would run here anyway, or be lost
      throw new UserError(
        'NO_CONTROLLER',
        `--no-wait needs a running controller to finish the rollback and none answers at ${connection.url}; ` +
          'start one with: rewind serve (or drop --no-wait to run it in this process); nothing was changed',
        { exitCode: ExitCode.failed },
      );
    }
    const request = {
      service,
      ...(options.env ? { environment: options.env } : {}),
      ...(toRevision !== undefined ? { toRevision } : {}),
      ...(options.reason ? { reason: options.reason } : {}),
      emergency: options.emergency,
      actor: connection.actor,
    };
    const environment = defaultEnvironment(connection.loaded, service, options.env);
    if (!options.env && environment && !options.json)
      say(color.dim(`environment ${environment} (the default; choose with --env)`));
    if (!options.dryRun && !options.yes && needsConfirmation(connection.loaded, environment)) {
      // the question names what would happen, from the same plan the undo will make
      const plan = await connection.api.undo({ ...request, dryRun: true });
      const from = plan.from ? `${plan.from.version} (r${plan.from.revision})` : 'nothing';
      const asked = `Roll back ${service} in ${plan.environment} from ${from} to ${plan.to.version} (r${plan.to.revision})?`;
      if (!(await confirmOrRefuse(asked, plan.environment))) {
        say('not rolled back: nothing changed');
        return ExitCode.failed;
      }
    }
    const result: UndoResult & { approval?: Approval } = await connection.api.undo({
      ...request,
      dryRun: options.dryRun,
    });
    if (result.approval) {
      // protected environment: a second person approves
      if (options.json) printJson(result);
      else
        say(
          `${result.environment} is protected: approval ${result.approval.id} waits for someone other than ${result.approval.requestedBy} — rewind approve ${result.approval.id}`,
        );
      return ExitCode.waiting;
    }
    if (result.dryRun || !result.rollback) {
      if (options.json) printJson(result);
      else {
        say(
          `plan to roll ${service} in ${result.environment} back from ${result.from ? `${result.from.version} (r${result.from.revision})` : 'nothing'} to ${result.to.version} (r${result.to.revision}):`,
        );
        result.plan.forEach((step, i) =>
          process.stdout.write(`${i + 1}. ${step.title}${step.validation ? ' [validation]' : ''}\n`),
        );
      }
      return ExitCode.ok;
    }
    if (!options.json) say(`rollback ${result.rollback.id}: ${result.from?.version ?? '?'} → ${result.to.version}`);
    const interrupted =
      connection.mode === 'controller' ? onInterrupt(`rollback ${result.rollback.id}`, service) : () => undefined;
    // during an incident the prompt comes back once traffic is restored; in-process the rollback has ended already
    const until = options.waitStable ? 'end' : 'restored';
    const final = options.wait
      ? await follow(connection.api, result.rollback, { quiet: options.json, until }).finally(interrupted)
      : result.rollback;
    const ended = isTerminalRollback(final.status);
    if (options.json) printJson({ ...result, rollback: final });
    else if (options.wait && !ended) {
      say(
        `rollback ${final.id}: ${color.green('traffic restored')} — ${service} serves ${result.to.version} (r${result.to.revision})`,
      );
      for (const line of goesOnLines(final, service)) say(color.dim(line));
    } else
      say(
        `rollback ${final.id}: ${rollbackRestored(final.status) ? color.green(final.status) : color.red(final.status)}${final.error ? ` — ${final.error}` : ''}`,
      );
    return options.wait ? rollbackExitCode(final.status) : ExitCode.ok;
  } finally {
    await connection.close();
  }
}

export function register(program: Command): void {
  withGlobalOptions(
    program
      .command('undo [service]')
      .description('roll a service (or --all, or --group G, dependents first) back to its previous good release'),
  )
    .option('--all', 'every service of the environment that has an earlier good release', false)
    .option('--group <name>', 'the services of a group under `groups`')
    .option('--to-revision <n>', 'roll back to this revision')
    .option('--reason <text>', 'why (recorded, shown in the report)')
    .option('--emergency', 'skip validation steps (needs --reason)', false)
    .option('--dry-run', 'print the plan and change nothing', false)
    .option('--no-wait', 'return once the rollback has started')
    .option(
      '--wait-stable',
      'wait for the whole rollback, its post-rollback watch included (default: return once traffic is restored)',
      false,
    )
    .option('--yes', 'do not ask for confirmation (environments with confirm: true ask on a terminal)', false)
    .action(action(undo));
}
