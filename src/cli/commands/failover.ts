import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import type { SiteSwitchResult } from '../../app/sites/failover.js';
import { primarySite } from '../../app/sites/site-config.js';
import { loadConfig } from '../../config/load.js';
import { ExitCode, UserError } from '../../core/errors.js';
import { isTerminalRollback, type RollbackDetail } from '../../core/model.js';
import { action } from '../action.js';
import type { GlobalOptions } from '../options.js';
import { withGlobalOptions } from '../options.js';
import { color, printJson, say } from '../output.js';
import { connectSites, type SiteConnection } from './site-connect.js';

export interface FailoverOptions extends GlobalOptions {
  to?: string;
  force: boolean;
  dryRun: boolean;
  yes: boolean;
  reason?: string;
}

async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY || !process.stderr.isTTY)
    throw new UserError(
      'CONFIRMATION_REQUIRED',
      'moving a site’s traffic asks first and there is no terminal: pass --yes',
      {
        exitCode: ExitCode.usage,
      },
    );
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

const MARKS = { running: '…', done: '✓', failed: '✗', skipped: '-', pending: ' ' } as const;

/** Prints each step as it changes until the plan ends. */
async function follow(connection: SiteConnection, detail: RollbackDetail, quiet: boolean): Promise<RollbackDetail> {
  const shown = new Map<number, string>();
  for (let current = detail; ; current = await connection.rollback(current.id)) {
    for (const step of quiet ? [] : current.steps) {
      if (step.status === 'pending' || shown.get(step.index) === step.status) continue;
      shown.set(step.index, step.status);
      const why = step.status === 'failed' ? ` — ${step.error}` : step.status === 'skipped' ? ` — ${step.output}` : '';
      say(`  ${MARKS[step.status]} ${step.index + 1}. ${step.title}${why}`);
    }
    if (isTerminalRollback(current.status)) return current;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** `rewind failover --to <site>` and `rewind failback`: the site switch, journaled like a rollback. */
async function switchSite(options: FailoverOptions, back: boolean, drill = false): Promise<number> {
  if (!back && !options.to)
    throw new UserError('BAD_USAGE', 'rewind failover needs --to <site>', { exitCode: ExitCode.usage });
  const connection = await connectSites(options);
  try {
    const request = {
      environment: drill ? (options.env ?? connection.environment) : connection.environment,
      ...(drill ? { drill: true } : {}),
      force: options.force,
      ...(options.reason ? { reason: options.reason } : {}),
      actor: connection.actor,
    };
    const call = (dryRun: boolean): Promise<SiteSwitchResult> =>
      back
        ? connection.api.failback({ ...request, dryRun })
        : connection.api.failover({ ...request, to: options.to as string, dryRun });
    if (!options.dryRun && !options.yes && !drill) {
      const plan = await call(true);
      if (!(await confirm(`Move traffic from site ${plan.from ?? '(unknown)'} to site ${plan.to}?`))) {
        say('not switched: nothing changed');
        return ExitCode.failed;
      }
    }
    const result = await call(options.dryRun);
    if (result.dryRun || !result.rollback) {
      if (options.json) printJson(result);
      else {
        say(`plan to move traffic from site ${result.from ?? '(unknown)'} to site ${result.to}:`);
        result.plan.forEach((step, i) => process.stdout.write(`${i + 1}. ${step.title}\n`));
      }
      return ExitCode.ok;
    }
    if (!options.json)
      say(
        `${drill ? 'failover drill' : back ? 'failback' : 'failover'} ${result.rollback.id}: site ${result.from ?? '?'} → site ${result.to}`,
      );
    const final = await follow(connection, result.rollback, options.json);
    if (options.json) printJson({ ...result, rollback: final });
    else if (drill) printDrill(final);
    else {
      const status = final.status === 'succeeded' ? color.green(final.status) : color.red(final.status);
      say(`${back ? 'failback' : 'failover'} ${final.id}: ${status}${final.error ? ` — ${final.error}` : ''}`);
    }
    return final.status === 'succeeded' ? ExitCode.ok : ExitCode.failed;
  } finally {
    await connection.close();
  }
}

/** What a failover drill measured: each step's time and the whole sequence. */
function printDrill(final: RollbackDetail): void {
  for (const step of final.steps)
    if (step.startedAt !== null && step.finishedAt !== null)
      say(`  ${String(step.finishedAt - step.startedAt).padStart(6)} ms  ${step.title}`);
  const total = (final.finishedAt ?? 0) - (final.startedAt ?? final.createdAt);
  const status = final.status === 'succeeded' ? color.green(final.status) : color.red(final.status);
  say(`failover drill ${final.id}: ${status} in ${total} ms${final.error ? ` — ${final.error}` : ''}`);
}

/** `rewind drill <env> --failover [--to site]`: the whole sequence on the drill names, there and back. */
export async function failoverDrill(options: GlobalOptions & { to?: string }, environment: string): Promise<number> {
  const { config } = loadConfig(options.config);
  const to = options.to ?? Object.keys(config.sites).find((s) => s !== primarySite(config));
  return switchSite({ ...options, env: environment, to, force: false, dryRun: false, yes: true }, false, true);
}

export function register(program: Command): void {
  const common = (command: Command) =>
    withGlobalOptions(command)
      .option('--force', 'go on even when the site’s health check fails (recorded as skipped)', false)
      .option('--dry-run', 'print the plan and change nothing', false)
      .option('--reason <text>', 'why (recorded, shown in the report)')
      .option('--yes', 'do not ask for confirmation', false);
  common(
    program
      .command('failover')
      .description('point the DNS names of `sites:` at a standby site, verified at the authoritative servers')
      .requiredOption('--to <site>', 'the standby site to send traffic to'),
  ).action(action<FailoverOptions>((options) => switchSite(options, false)));
  common(program.command('failback').description('point the DNS names back at the primary site')).action(
    action<FailoverOptions>((options) => switchSite(options, true)),
  );
}
