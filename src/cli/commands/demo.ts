import type { Command } from 'commander';
import path from 'node:path';
import { runDemo, type DemoOptions, type DemoResult } from '../../runtime/demo/run-demo.js';
import type { ContainerDemoResult } from '../../runtime/demo/container-demo.js';
import { DEMO_FAULTS, parseFault } from '../../runtime/demo/faults.js';
import { runSiteDownDemo } from '../../runtime/demo/site-down-demo.js';
import { ExitCode, UserError } from '../../core/errors.js';
import { action } from '../action.js';
import type { GlobalOptions } from '../options.js';
import { color, printJson, say } from '../output.js';

export interface DemoCommandOptions extends Pick<GlobalOptions, 'json' | 'debug'> {
  fault?: string;
  /**
   * `local` (default): the sample service on this host; `container`: the same as containers on
   * Docker or Podman; `kubernetes`: blue-green on a simulated API server
   */
  platform?: string;
  stateDir?: string;
  rate?: string;
  keep?: boolean;
}

const ms = (value: number | null): string => (value === null ? '—' : `${(value / 1000).toFixed(2)} s`);

/** The demo's outcome for people: the moments in the order they happened, then the counts. */
export function summary(result: DemoResult, title = 'rewind demo'): string[] {
  const verdict = result.ok
    ? color.green(`${result.outcome} (as expected)`)
    : color.red(`${result.outcome} (expected ${result.expected})`);
  const lines = [``, `${color.bold(title)}  fault ${result.fault}: ${verdict}`];
  const value =
    typeof result.trigger?.value === 'number' ? Number(result.trigger.value.toFixed(3)) : result.trigger?.value;
  if (result.trigger)
    lines.push(`  trigger        ${result.trigger.name} (${result.trigger.metric} = ${String(value)})`);
  if (result.fault !== 'none') {
    // in the order they happened: clients may see v1 only before the controller has read the switch back
    const moments: [string, number | null, string][] = [
      ['detected      ', result.detectedAfterMs, ''],
      ['restored      ', result.trafficRestoredAfterMs, ' (every request answered by v1 from then on)'],
      ['switch checked', result.switchFlippedAfterMs, ' (the controller read the new weights back)'],
    ];
    moments.sort(([, a], [, b]) => (a ?? Infinity) - (b ?? Infinity));
    for (const [name, at, note] of moments) lines.push(`  ${name} ${ms(at)} after the fault started${note}`);
  }
  lines.push(
    `  requests       ${result.totalRequests} sent, ${result.failedRequests} failed${result.fault !== 'none' ? ` (${result.failedAfterFault} after the fault)` : ''}${result.skippedRequests ? `, ${result.skippedRequests} not sent (too many in flight)` : ''}`,
  );
  if (result.usersAffected) {
    const { affected, served, errorBound } = result.usersAffected;
    lines.push(
      `  users          ${affected}${errorBound > 0 ? ` ±${errorBound}` : ''} affected: of the ${served} users v2 served from its first failed request on, they met one`,
    );
  }
  if (result.rollbackId) lines.push(`  rollback       ${result.rollbackId}: ${result.rollbackStatus ?? 'unknown'}`);
  lines.push(...notificationLines(result));
  if (result.stateDir)
    lines.push(
      `  state          ${result.stateDir} (inspect with: rewind -c ${path.join(path.dirname(result.stateDir), 'rewind.yaml')} rollbacks)`,
    );
  lines.push(`  took           ${ms(result.durationMs)}`);
  return lines;
}

/** What the demo's local receivers got and where the incident report is. */
function notificationLines(result: DemoResult): string[] {
  const { slack, pagerduty, webhook, webhookRejected, pagerdutyEvents } = result.notifications;
  const actions = pagerdutyEvents.map((e) => e.action).join(', ');
  const incidents = new Set(pagerdutyEvents.map((e) => e.dedupKey)).size;
  const lines = [
    `  slack          ${slack} message${slack === 1 ? '' : 's'} received`,
    `  pagerduty      ${pagerduty} event${pagerduty === 1 ? '' : 's'}${pagerduty ? ` (${actions}; ${incidents} incident${incidents === 1 ? '' : 's'} by dedup_key)` : ''}`,
    `  webhook        ${webhook} signed message${webhook === 1 ? '' : 's'} verified${webhookRejected ? `, ${webhookRejected} refused` : ''}`,
  ];
  if (result.reportPath)
    lines.push(
      `  report         ${result.reportPath}${result.stateDir ? '' : ' (removed with the temporary state; keep it with --state-dir)'}`,
    );
  return lines;
}

/** `rewind demo --fault site-down`: fail over to a standby site by DNS (BIND), and back. */
async function siteDownDemo(options: DemoCommandOptions): Promise<number> {
  const result = await runSiteDownDemo((line) => (options.json ? undefined : say(line)));
  if (options.json) printJson(result);
  else if (result.missing)
    say(`${color.red('cannot run:')} no authoritative DNS server here — install ${result.missing}`);
  else {
    const verdict = result.ok ? color.green('failed over and back') : color.red('did not fail over and back');
    say(`\n${color.bold('rewind demo')}  fault site-down: ${verdict}`);
    say(`  dns switched   ${ms(result.dnsSwitchedAfterMs)} after the primary went down (BIND answers the standby)`);
    say(`  failover       ${result.failoverStatus ?? '—'}; failback ${result.failbackStatus ?? '—'}`);
    if (result.reportPath) say(`  report         ${result.reportPath} (removed with the temporary state)`);
  }
  return result.ok ? ExitCode.ok : ExitCode.failed;
}

/**
 * `rewind demo`: exits 0 when the outcome was the expected one
 * (rolled back for a fault, promoted for `none`), 1 otherwise.
 */
export async function demo(options: DemoCommandOptions): Promise<number> {
  if (options.fault === 'site-down') return siteDownDemo(options);
  if (options.platform === 'kubernetes') return kubernetesDemo(options);
  if (options.platform !== undefined && options.platform !== 'local' && options.platform !== 'container')
    throw new UserError('USAGE', `--platform must be local, container or kubernetes, got "${options.platform}"`, {
      exitCode: ExitCode.usage,
    });
  const fault = parseFault(options.fault);
  const rate = options.rate === undefined ? 150 : Number(options.rate);
  const abort = new AbortController();
  // First Ctrl-C: stop everything the demo started, then exit; the second one is Node's default.
  const onSignal = (): void => {
    say('interrupted: stopping the demo’s processes…');
    abort.abort(new UserError('INTERRUPTED', 'rewind demo was interrupted'));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const run = options.platform === 'container' ? containerDemo : runDemo;
    const result = await run({
      fault,
      ratePerSecond: rate,
      signal: abort.signal,
      progress: (line) =>
        say(line.startsWith('rewind demo') ? color.bold(line) : line.includes('▸') ? line : color.dim(line)),
      ...(options.stateDir ? { stateDir: options.stateDir } : {}),
      ...(options.keep ? { hold: (result, controller) => holdOpen(result, controller, options, abort.signal) } : {}),
    });
    if (!options.keep) report(result, options);
    if (!options.json && 'engine' in result) say(`  engine         ${result.engine}`);
    return result.ok ? ExitCode.ok : ExitCode.failed;
  } catch (error) {
    // Interrupted mid-deploy: the demo's processes are stopped, but the controller's
    // deploy may still be polling in the background — end the process once the
    // error is reported rather than wait for it.
    if (abort.signal.aborted) setTimeout(() => process.exit(), 200);
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** The blue-green rollback against the SIMULATED Kubernetes API server, started and stopped here. */
async function kubernetesDemo(options: DemoCommandOptions): Promise<number> {
  const { startKubeSim } = await import('../../sim/kubernetes/index.js');
  const { runKubernetesDemo } = await import('../../runtime/demo/kubernetes-demo.js');
  const sim = await startKubeSim();
  try {
    const result = await runKubernetesDemo({
      cluster: { url: sim.url, kubeconfig: sim.kubeconfig('demo') },
      progress: (line) => say(line.includes('▸') ? color.bold(line) : color.dim(line)),
      ...(options.stateDir ? { stateDir: options.stateDir } : {}),
    });
    if (options.json) printJson(result);
    const verdict = result.ok ? color.green('rolled back (as expected)') : color.red('not as expected');
    say('');
    say(`${color.bold('rewind demo --platform kubernetes')} (SIMULATED API server): ${verdict}`);
    say(`  deploys        ${result.deploys.map((d) => `${d.version} r${d.revision} ${d.outcome}`).join(', ')}`);
    say(`  selector       green after v2, ${result.selector.afterRollback ?? 'none'} after the rollback`);
    say(`  rollback       ${result.rollbackId ?? '—'}: ${result.rollbackStatus ?? 'none'} in ${ms(result.rollbackMs)}`);
    say(`  endpoints      ${result.pollsWithoutEndpoints} of ${result.endpointPolls} polls saw no ready endpoint`);
    return result.ok ? ExitCode.ok : ExitCode.failed;
  } finally {
    await sim.close();
  }
}

/** The container demo, loaded only when asked for. */
async function containerDemo(options: DemoOptions): Promise<ContainerDemoResult> {
  const { runContainerDemo } = await import('../../runtime/demo/container-demo.js');
  return runContainerDemo(options);
}

function report(result: DemoResult, options: DemoCommandOptions): void {
  if (options.json) printJson(result);
  const title = 'engine' in result ? 'rewind demo --platform container' : 'rewind demo';
  for (const line of summary(result, title)) say(line);
}

/** `--keep`: the summary first, then the controller serves until Ctrl-C so a person can open the dashboard. */
async function holdOpen(
  result: DemoResult,
  controller: { url: string; tokenFile: string },
  options: DemoCommandOptions,
  signal: AbortSignal,
): Promise<void> {
  report(result, options);
  say('');
  say(`  dashboard      ${color.bold(`${controller.url}/`)} (sign in with the token in ${controller.tokenFile})`);
  say(`                the controller keeps running with the demo's data; Ctrl-C stops it`);
  if (!options.stateDir) say(`                (its state is removed then; keep it with --state-dir)`);
  if (signal.aborted) return;
  await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

export function register(program: Command): void {
  program
    .command('demo')
    .description('run the bundled sample service, deploy a faulty v2 under load and watch Rewind roll it back')
    .option(
      '--fault <fault>',
      `the fault of v2: ${DEMO_FAULTS.join(', ')}; or site-down (fail over by DNS, needs bind9)`,
      'error-rate',
    )
    .option(
      '--platform <platform>',
      'local; container: the releases as containers on Docker or Podman (found, or podman started for the demo); or kubernetes: a blue-green rollback on a simulated API server',
      'local',
    )
    .option('--state-dir <dir>', 'keep config and state here (default: a temporary directory, removed after)')
    .option('--rate <n>', 'requests per second of the load generator', '150')
    .option('--keep', 'after the outcome, keep the controller and its dashboard running until Ctrl-C', false)
    .option('--json', 'print the result as one JSON object', false)
    .option('--debug', 'print stack traces', false)
    .action(action(demo));
}
