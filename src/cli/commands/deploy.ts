import type { Command } from 'commander';
import type { DeployResult } from '../../app/deploy.js';
import { ExitCode, UserError } from '../../core/errors.js';
import { action } from '../action.js';
import { connect } from '../connect.js';
import { defaultEnvironment } from '../confirm.js';
import { onInterrupt, startLive } from '../live.js';
import { whenHumanMustAct } from '../human-wait.js';
import type { GlobalOptions } from '../options.js';
import { withGlobalOptions } from '../options.js';
import { color, printJson, say } from '../output.js';

export interface DeployOptions extends GlobalOptions {
  strategy?: 'bluegreen' | 'canary';
  watch: boolean;
  waitStable: boolean;
  force: boolean;
  migrate: boolean;
  breakGlass: boolean;
  reason?: string;
}

/** Exit codes: 0 promoted (or has traffic, without --watch), 1 failed, 3 rolled back, 4 waiting for a human. */
export function deployExitCode(result: DeployResult): number {
  return {
    promoted: ExitCode.ok,
    analyzing: ExitCode.ok,
    failed: ExitCode.failed,
    'rolled-back': ExitCode.rolledBack,
    waiting: ExitCode.waiting,
  }[result.outcome];
}

export async function deploy(options: DeployOptions, service: string, version: string): Promise<number> {
  if (options.breakGlass && !options.reason?.trim())
    throw new UserError(
      'REASON_REQUIRED',
      'deploying through a freeze needs a reason: --break-glass --reason "<why>"',
      {
        exitCode: ExitCode.usage,
      },
    );
  const connection = await connect(options);
  const environment = defaultEnvironment(connection.loaded, service, options.env);
  const watching = options.watch || options.waitStable;
  const live =
    watching && !options.json && connection.mode === 'controller'
      ? await startLive({ api: connection.api, service, environment })
      : null;
  const interrupted = connection.mode === 'controller' ? onInterrupt('the deploy', service) : () => undefined;
  try {
    if (!options.json) {
      if (!options.env && environment) say(color.dim(`environment ${environment} (the default; choose with --env)`));
      say(color.dim(`deploying ${service} ${version}${watching ? ' and watching it' : ''}…`));
    }
    // a human must act: answer then (exit 4) with what to run; the deploy goes on in the controller
    const human =
      watching && environment && connection.mode === 'controller'
        ? await whenHumanMustAct(connection.api, { service, environment, version })
        : null;
    const deploying = connection.api.deploy({
      service,
      version,
      ...(options.env ? { environment: options.env } : {}),
      ...(options.strategy ? { strategy: options.strategy } : {}),
      force: options.force,
      watch: watching,
      ...(options.waitStable ? { waitStable: true } : {}),
      ...(options.migrate ? { migrate: true } : {}),
      ...(options.breakGlass ? { breakGlass: { reason: options.reason ?? '' } } : {}),
      actor: connection.actor,
    });
    const result = await Promise.race([deploying, ...(human ? [human.answered] : [])]).finally(() => {
      human?.stop();
      return live?.stop();
    });
    const early = result.outcome === 'waiting' && human !== null;
    if (options.json) printJson(result);
    else {
      const paintOutcome = result.outcome === 'promoted' || result.outcome === 'analyzing' ? color.green : color.red;
      say(
        `${service} ${version} revision ${result.release.revision} in ${result.environment}: ${paintOutcome(result.outcome)}${result.reason ? ` — ${result.reason}` : ''}`,
      );
      if (result.rollbackId) say(`rollback: rewind rollback show ${result.rollbackId}`);
    }
    if (early) {
      // the watched request stays open in the controller; nothing here needs its answer
      deploying.catch(() => undefined);
      setImmediate(() => process.exit(ExitCode.waiting));
    }
    return deployExitCode(result);
  } finally {
    interrupted();
    await connection.close();
  }
}

export function register(program: Command): void {
  withGlobalOptions(
    program.command('deploy <service> <version>').description('deploy a version: start, check, shift traffic, watch'),
  )
    .option('--strategy <strategy>', 'bluegreen or canary (default: the service’s)')
    .option(
      '--watch',
      'wait for the analysis outcome; exit 3 once traffic is back on the previous release (a CI gate)',
      false,
    )
    .option('--wait-stable', 'with a rollback, also wait for its post-rollback watch to end (implies --watch)', false)
    .option('--force', 'deploy a quarantined (rolled-back) version, or the live version again', false)
    .option(
      '--break-glass',
      'deploy through a freeze (needs the approver role and --reason; audited and notified)',
      false,
    )
    .option('--reason <text>', 'why: required with --break-glass')
    .option(
      '--migrate',
      'back up the service’s database, migrate it up and record the schema version on the release',
      false,
    )
    .action(action(deploy));
}
