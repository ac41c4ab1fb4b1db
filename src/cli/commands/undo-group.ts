import type { GroupUndoRequest, GroupUndoResult } from '../../app/group/undo-group.js';
import { confirmOrRefuse, needsConfirmation } from '../confirm.js';
import { describeGroupOutcome, groupOutcome } from '../../core/group-order.js';
import { ExitCode, UserError } from '../../core/errors.js';
import { isTerminalRollback } from '../../core/model.js';
import { connect } from '../connect.js';
import { color, printJson, say } from '../output.js';
import { connectOps } from './ops-connect.js';
import type { GroupOptions, UndoOptions } from './undo-follow.js';
import { follow, goesOnLines, rollbackExitCode } from './undo-follow.js';

/** `rewind undo --all | --group G`: one rollback record, a step list per service, dependents first. */
export async function undoGroup(options: UndoOptions & GroupOptions): Promise<number> {
  if (options.all && options.group)
    throw new UserError('BAD_USAGE', 'use --all or --group, not both', { exitCode: ExitCode.usage });
  if (options.toRevision !== undefined)
    throw new UserError(
      'BAD_USAGE',
      '--to-revision applies to one service; --all and --group roll each back to its previous good release',
      {
        exitCode: ExitCode.usage,
      },
    );
  const ops = await connectOps(options);
  try {
    const request = {
      ...(options.group ? { group: options.group } : {}),
      ...(options.env ? { environment: options.env } : {}),
      ...(options.reason ? { reason: options.reason } : {}),
      emergency: options.emergency,
      // over HTTP the CLI follows the saved rollback itself (a long rollback outlives one request)
      wait: false,
      actor: ops.actor,
    };
    const what = options.group ? `group ${options.group}` : 'every service';
    if (!options.dryRun && !options.yes && !(await confirmed(ops, request, what))) {
      say('not rolled back: nothing changed');
      return ExitCode.failed;
    }
    const result: GroupUndoResult = await ops.api.undoGroup({ ...request, dryRun: options.dryRun });
    if (result.approval) {
      if (options.json) printJson(result);
      else
        say(
          `${result.environment} is protected: approval ${result.approval.id} waits for another approver (rewind approve ${result.approval.id}); nothing was rolled back yet`,
        );
      return ExitCode.waiting;
    }
    if (result.dryRun || !result.rollback) {
      if (options.json) printJson(result);
      else printPlan(result, what);
      return ExitCode.ok;
    }
    if (!options.json) {
      say(
        `rollback ${result.rollback.id} of ${what} in ${result.environment}: ${result.services.map((s) => `${s.service} ${s.from.version} → ${s.to.version}`).join(', ')}`,
      );
      for (const s of result.skipped) say(color.dim(`  ${s.service} left as it is: ${s.reason}`));
    }
    if (!options.wait) {
      if (options.json) printJson(result);
      return ExitCode.ok;
    }
    const main = await connect(options);
    try {
      // in-process the rollback runs in this process: it is followed to its end, or nobody would finish it
      const until = options.waitStable || main.mode === 'in-process' ? 'end' : 'restored';
      const final = await follow(main.api, result.rollback, { quiet: options.json, until });
      const outcome = groupOutcome(final);
      if (options.json) printJson({ ...result, rollback: final, outcome });
      else if (!isTerminalRollback(final.status)) {
        say(
          `rollback ${final.id}: ${color.green('traffic restored')} for ${result.services.map((s) => `${s.service} (${s.to.version})`).join(', ')}`,
        );
        for (const line of goesOnLines(final, null)) say(color.dim(line));
      } else
        say(
          `rollback ${final.id}: ${final.status === 'succeeded' ? color.green(final.status) : color.red(final.status)} — ${describeGroupOutcome(outcome)}${final.status === 'succeeded' ? '' : `\n${final.error ?? ''}`}`,
        );
      return rollbackExitCode(final.status);
    } finally {
      await main.close();
    }
  } finally {
    await ops.close();
  }
}

/** In a `confirm: true` environment, asks with the same plan the undo will make; true elsewhere. */
async function confirmed(
  ops: Awaited<ReturnType<typeof connectOps>>,
  request: Omit<GroupUndoRequest, 'dryRun'>,
  what: string,
): Promise<boolean> {
  const plan = await ops.api.undoGroup({ ...request, dryRun: true });
  if (!needsConfirmation(ops.loaded, plan.environment)) return true;
  const moves = plan.services.map(
    (s) => `${s.service} ${s.from.version} (r${s.from.revision}) → ${s.to.version} (r${s.to.revision})`,
  );
  const asked = `Roll back ${what} in ${plan.environment}, dependents first: ${moves.join(', ') || 'nothing to roll back'}?`;
  return confirmOrRefuse(asked, plan.environment);
}

function printPlan(result: GroupUndoResult, what: string): void {
  say(`plan to roll ${what} back in ${result.environment}, dependents first:`);
  let n = 0;
  for (const s of result.services) {
    process.stdout.write(
      `${s.service}: ${s.from.version} (r${s.from.revision}) → ${s.to.version} (r${s.to.revision})\n`,
    );
    for (const step of s.plan) {
      n += 1;
      process.stdout.write(`  ${n}. ${step.title}${step.validation ? ' [validation]' : ''}\n`);
    }
  }
  for (const s of result.skipped) process.stdout.write(`${s.service}: left as it is (${s.reason})\n`);
}
