import type { Command } from 'commander';
import { DRILL_FAULTS, type DrillFault } from '../../app/drill/fault-injection.js';
import type { DrillResult } from '../../app/drill/drill-result.js';
import { formatDuration, parseDuration } from '../../core/duration.js';
import { ExitCode, UserError } from '../../core/errors.js';
import { action } from '../action.js';
import { connect } from '../connect.js';
import type { GlobalOptions } from '../options.js';
import { withGlobalOptions } from '../options.js';
import { failoverDrill } from './failover.js';
import { color, printJson, say } from '../output.js';
import { startLive } from '../live.js';

export interface DrillOptions extends GlobalOptions {
  service?: string;
  fault?: string;
  faultAfter?: string;
  timeout?: string;
  /** move the `failover.drill` names to a standby site and back, instead of injecting a fault */
  failover?: boolean;
  to?: string;
}

const ms = (value: number | null): string => (value === null ? '—' : formatDuration(value));

function duration(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  try {
    return parseDuration(value);
  } catch {
    throw new UserError('BAD_USAGE', `${flag} expects a duration like "5s", got "${value}"`, {
      exitCode: ExitCode.usage,
    });
  }
}

/** Exit 0 when the copy was rolled back within every target; 1 otherwise (a missed target, nothing rolled back, a failure). */
export function drillExitCode(result: DrillResult): number {
  return result.outcome === 'rolled-back' && result.targetsMissed.length === 0 ? ExitCode.ok : ExitCode.failed;
}

/** `rewind drill <env>`: inject a fault into a copy of the live release and measure the recovery. */
export async function drill(options: DrillOptions, environment: string): Promise<number> {
  if (options.failover) return failoverDrill(options, environment);
  if (options.fault !== undefined && !(DRILL_FAULTS as readonly string[]).includes(options.fault)) {
    throw new UserError('BAD_USAGE', `--fault expects one of ${DRILL_FAULTS.join(', ')}, got "${options.fault}"`, {
      exitCode: ExitCode.usage,
    });
  }
  const faultAfterMs = duration('--fault-after', options.faultAfter);
  const timeoutMs = duration('--timeout', options.timeout);
  const connection = await connect(options);
  // the drill's story (deploy of the faulty copy, triggers, rollback steps) as it happens
  const live =
    !options.json && connection.mode === 'controller'
      ? await startLive({ api: connection.api, service: options.service ?? null, environment })
      : null;
  try {
    let status = await connection.api.drill({
      environment,
      ...(options.service ? { service: options.service } : {}),
      ...(options.fault ? { fault: options.fault as DrillFault } : {}),
      ...(faultAfterMs !== undefined ? { faultAfterMs } : {}),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      actor: connection.actor,
    });
    if (status.status === 'waiting' && status.approval) {
      if (options.json) printJson(status);
      else
        say(
          `${environment} is protected: approval ${status.approval.id} waits for an approver other than ${status.approval.requestedBy} — rewind approve ${status.approval.id}`,
        );
      return ExitCode.waiting;
    }
    if (!options.json) say(color.dim(`drill ${status.drillId} started in ${environment}; waiting for the rollback…`));
    while (status.status !== 'finished' || !status.result) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      status = await connection.api.drillStatus(status.drillId);
    }
    await live?.stop();
    const result = status.result;
    if (options.json) printJson(result);
    else {
      const paint = drillExitCode(result) === ExitCode.ok ? color.green : color.red;
      say(
        `drill ${result.drillId} (${result.fault}) on ${result.service} in ${result.environment}: ${paint(result.outcome)}`,
      );
      say(
        `  detected after ${ms(result.detectedAfterMs)}, traffic restored after ${ms(result.trafficRestoredAfterMs)}, total ${ms(result.totalMs)}`,
      );
      for (const check of result.targets)
        say(
          `  target ${check.target}: ${ms(check.measuredMs)} of ${ms(check.targetMs)} — ${check.result === 'miss' ? color.red('missed') : check.result}`,
        );
      if (result.error) say(`  ${result.error}`);
      if (result.reportPath) say(`  report: ${result.reportPath}`);
    }
    return drillExitCode(result);
  } finally {
    await live?.stop();
    await connection.close();
  }
}

export function register(program: Command): void {
  withGlobalOptions(
    program
      .command('drill <env>')
      .description('inject a fault into a copy of the live release and measure detection and recovery'),
  )
    .option('--service <name>', 'which service (default: the drills[] entry’s, or the only one)')
    .option('--fault <fault>', `${DRILL_FAULTS.join(' | ')} (default error-rate)`)
    .option(
      '--fault-after <duration>',
      'crash/unhealthy start this long after the copy starts (default 3s; others at once)',
    )
    .option('--timeout <duration>', 'how long the automatic path has before the drill rolls back itself (default 5m)')
    .option('--failover', 'rehearse a site failover on the names under failover.drill (production names untouched)')
    .option('--to <site>', 'with --failover: the standby site (default the first one)')
    .action(action(drill));
}
