import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { explainPolicy } from '../../app/policy/explain.js';
import { replayRollback } from '../../app/policy/replay.js';
import { openStore } from '../../app/compose.js';
import { loadConfig } from '../../config/load.js';
import { formatDuration, isDuration, parseDuration } from '../../core/duration.js';
import { shadowReport } from '../../app/policy/shadow.js';
import { ExitCode, UserError } from '../../core/errors.js';
import { action } from '../action.js';
import type { GlobalOptions } from '../options.js';
import { withGlobalOptions } from '../options.js';
import { printJson, printLines, say, table, time } from '../output.js';

/** `rewind policy explain` and `rewind policy replay`: local, config and store only. */
export async function explain(options: GlobalOptions, service: string): Promise<number> {
  const result = explainPolicy(loadConfig(options.config), service, options.env);
  if (options.json) {
    printJson(result);
    return ExitCode.ok;
  }
  say(
    `policy of ${service} in ${result.environment}${result.protected ? ' (protected: manual undo needs a second person)' : ''}: automatic ${result.automatic ? 'on' : 'off'}, cooldown ${result.cooldownPeriod}, at most ${result.maximumRetries} automatic rollbacks, approvals ${result.approvalTimeout} then ${result.onTimeout}, ask after ${result.inconclusiveLimit} inconclusive readings`,
  );
  say(
    `matrix (${result.matrixSource === 'config' ? 'from policy.matrix' : 'the built-in runbook table'}), first match wins:`,
  );
  printLines(
    table(
      result.rows.map((r) => [
        r.order,
        r.rule,
        r.when,
        r.action,
        r.notify.join(',') || null,
        r.approval || null,
        r.from,
      ]),
      ['#', 'RULE', 'WHEN', 'ACTION', 'NOTIFY', 'APPROVAL', 'FROM'],
    ),
  );
  if (result.triggers.length) {
    say('triggers:');
    printLines(
      table(
        result.triggers.map((t) => [
          t.name,
          t.metric,
          t.condition,
          t.for,
          t.minSamples,
          t.consecutive,
          t.severity,
          t.source,
          t.mode,
        ]),
        ['TRIGGER', 'METRIC', 'FIRES WHEN', 'FOR', 'MIN SAMPLES', 'IN A ROW', 'SEVERITY', 'SOURCE', 'MODE'],
      ),
    );
    for (const t of result.triggers.filter((x) => x.evidence !== 'window')) say(`  ${t.name}: ${t.evidence}`);
  }
  return ExitCode.ok;
}

export interface ReplayOptions extends GlobalOptions {
  rollback?: string;
  /** the config whose store holds the episode; default: the one of -c */
  state?: string;
}

export async function replay(options: ReplayOptions): Promise<number> {
  if (!options.rollback)
    throw new UserError('BAD_USAGE', 'policy replay needs --rollback <id>', { exitCode: ExitCode.usage });
  const other = loadConfig(options.config);
  // the recorded episode lives in the store of the current state dir (--state-config, default the same file)
  const stateFile = options.state ?? process.env.REWIND_CONFIG ?? 'rewind.yaml';
  const current = options.state || existsSync(stateFile) ? loadConfig(stateFile) : other;
  const store = openStore(current);
  try {
    const result = await replayRollback(store, options.rollback, other);
    if (options.json) {
      printJson(result);
      return ExitCode.ok;
    }
    say(
      `replaying ${result.samples} samples of ${result.service} r${result.revision} (${time(result.from)} → ${time(result.to)}) with ${other.file}`,
    );
    for (const r of result.recorded)
      say(`  recorded: ${r.trigger} fired at +${formatDuration(Math.max(0, r.offsetMs))}`);
    printLines(
      table(
        result.replay.rows.map((r) => [
          r.trigger,
          r.metric,
          r.severity,
          r.offsetMs === null ? 'never' : `+${formatDuration(r.offsetMs)}`,
          r.value,
          r.decision ? `${r.decision.action} (${r.decision.rule})` : null,
        ]),
        ['TRIGGER', 'METRIC', 'SEVERITY', 'WOULD FIRE', 'VALUE', 'DECISION'],
      ),
    );
    const first = result.replay.first;
    say(
      first
        ? `first decision: ${first.decision.action} at +${formatDuration(first.at - result.replay.from)} — ${first.decision.reason}`
        : 'this policy would not have acted',
    );
    return ExitCode.ok;
  } finally {
    await store.close();
  }
}

export interface ShadowOptions extends GlobalOptions {
  since: string;
}

/** `rewind policy shadow`: each shadow trigger that fired, beside what really happened to the release. */
export async function shadow(options: ShadowOptions): Promise<number> {
  if (!isDuration(options.since))
    throw new UserError('BAD_USAGE', `--since expects a duration like "30d", got "${options.since}"`, {
      exitCode: ExitCode.usage,
    });
  const store = openStore(loadConfig(options.config));
  try {
    const rows = await shadowReport(store, Date.now() - parseDuration(options.since));
    if (options.json) {
      printJson(rows);
      return ExitCode.ok;
    }
    if (rows.length === 0) say(`no shadow trigger fired in the last ${options.since}`);
    else
      printLines(
        table(
          rows.map((r) => [
            time(r.firedAt),
            `${r.service}/${r.environment}`,
            r.version ? `${r.version} (r${r.revision})` : null,
            `${r.trigger} (${r.severity})`,
            r.rollbackId ? `rolled back (${r.rollbackId})` : r.releaseStatus,
            r.realTriggers.join(', ') || null,
          ]),
          ['FIRED (UTC)', 'SERVICE', 'RELEASE', 'SHADOW TRIGGER', 'WHAT HAPPENED', 'REAL TRIGGERS'],
        ),
      );
    return ExitCode.ok;
  } finally {
    await store.close();
  }
}

export function register(program: Command): void {
  const policy = program.command('policy').description('the decision matrix: explain it, replay it on a past episode');
  withGlobalOptions(
    policy.command('explain <service>').description('print the decision matrix as Rewind reads it'),
  ).action(action(explain));
  withGlobalOptions(
    policy
      .command('replay')
      .description('run -c <config>’s triggers and matrix over a past rollback’s recorded signals'),
  )
    .option('--rollback <id>', 'the episode: a rollback id')
    .option('--state <config>', 'config file whose state dir holds the episode (default: REWIND_CONFIG or rewind.yaml)')
    .action(action(replay));
  withGlobalOptions(
    policy
      .command('shadow')
      .description('what shadow triggers would have done on each release, beside what really happened'),
  )
    .option('--since <duration>', 'how far back', '30d')
    .action(action(shadow));
}
