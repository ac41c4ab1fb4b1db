import type { Command } from 'commander';
import { formatDuration } from '../../core/duration.js';
import { ExitCode } from '../../core/errors.js';
import type { LeaderInfo } from '../../runtime/leader-routes.js';
import { action } from '../action.js';
import { connect } from '../connect.js';
import { resolveToken } from '../credentials.js';
import { createHttpCall } from '../http-call.js';
import type { GlobalOptions } from '../options.js';
import { withGlobalOptions } from '../options.js';
import type { ServiceStatus } from '../../app/queries.js';
import { color, printJson, printLines, table, time } from '../output.js';

/** Read-only commands: status, history, rollbacks, rollback show. */
type Connection = Awaited<ReturnType<typeof connect>>;
async function withApi<T>(
  options: GlobalOptions,
  fn: (api: Connection['api'], connection: Connection) => Promise<T>,
): Promise<T> {
  const connection = await connect(options);
  try {
    return await fn(connection.api, connection);
  } finally {
    await connection.close();
  }
}

function statusLines(s: ServiceStatus): string[] {
  const weights =
    Object.entries(s.weights)
      .map(([rev, w]) => `r${rev}=${w}%`)
      .join(' ') || 'none';
  return [
    `${s.service} in ${s.environment} (${s.driver}): live ${s.live ? `${s.live.version} (r${s.live.revision}, ${s.live.status})` : 'none'}; traffic ${weights}`,
    ...(s.activeRollback
      ? [
          s.activeRollback.watchEndsAt
            ? `  rollback ${s.activeRollback.id}: traffic is back on r${s.activeRollback.toRevision}, watched for another ${Math.max(0, Math.ceil((s.activeRollback.watchEndsAt - Date.now()) / 1000))}s`
            : `  rollback in progress: ${s.activeRollback.id} (${s.activeRollback.status})`,
        ]
      : []),
    ...(s.rollbackWindow
      ? [`  rollback window: ${formatDuration(s.rollbackWindow.leftMs)} left (until ${time(s.rollbackWindow.endsAt)})`]
      : []),
    ...s.pendingApprovals.map((a) => `  waiting for approval ${a.id} until ${time(a.deadline)}: ${a.reason}`),
    ...s.needsAttention
      .filter((n) => n.kind !== 'approval')
      .flatMap((n) => [
        `  ${color.red('needs attention')} (${n.kind} since ${time(n.since)}): ${n.reason}`,
        `    run: ${n.suggested}`,
      ]),
  ];
}

export async function status(options: GlobalOptions & { watch?: boolean }, service?: string): Promise<number> {
  return withApi(options, async (api, connection) => {
    const list = service ? [service] : Object.keys(connection.loaded?.config.services ?? {});
    const read = () => Promise.all(list.map((s) => api.status(s, options.env)));
    if (options.watch) {
      // follows changes until Ctrl-C: one block (or one JSON line) each time something changed
      let last = '';
      for (;;) {
        const results = await read();
        const now = JSON.stringify(results);
        if (now !== last) {
          last = now;
          if (options.json) process.stdout.write(`${JSON.stringify(service ? results[0] : results)}\n`);
          else printLines([color.dim(time(Date.now())), ...results.flatMap(statusLines)]);
        }
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
    const results = await read();
    if (options.json) printJson(service ? results[0] : results);
    else {
      printLines([await leaderLine(connection, resolveToken(options, connection.loaded))]);
      for (const s of results) printLines(statusLines(s));
    }
    return ExitCode.ok;
  });
}

/** Who leads: the lease holder, its fencing token and how long it has held the lease. */
async function leaderLine(connection: Connection, token: string | undefined): Promise<string> {
  if (connection.mode !== 'controller') return `controller: none answers at ${connection.url}`;
  const info = await createHttpCall(connection.url, token)<LeaderInfo>('GET', '/v1/leader').catch(() => null);
  if (!info?.leader) return `controller: ${connection.url} (no leader elected yet)`;
  const age = Math.round((info.leaseAgeMs ?? 0) / 1000);
  return `controller: leader ${info.leader} at ${info.address ?? '?'}, token ${info.token}, lease held ${age}s${info.expired ? ' (EXPIRED: an election is due)' : ''}`;
}

export async function history(options: GlobalOptions, service: string): Promise<number> {
  return withApi(options, async (api) => {
    const releases = await api.history(service, options.env);
    if (options.json) printJson(releases);
    else
      printLines(
        table(
          releases.map((r) => [r.revision, r.version, r.status, time(r.createdAt), r.deployedBy]),
          ['REVISION', 'VERSION', 'STATUS', 'CREATED', 'BY'],
        ),
      );
    return ExitCode.ok;
  });
}

export async function rollbacks(options: GlobalOptions & { service?: string }): Promise<number> {
  return withApi(options, async (api) => {
    const list = await api.rollbacks({
      ...(options.service ? { service: options.service } : {}),
      ...(options.env ? { environment: options.env } : {}),
    });
    if (options.json) printJson(list);
    else
      printLines(
        table(
          list.map((r) => [
            r.id,
            r.service,
            r.environment,
            r.kind,
            r.status,
            `r${r.fromRevision ?? '?'}→r${r.toRevision}`,
            time(r.createdAt),
          ]),
          ['ID', 'SERVICE', 'ENV', 'KIND', 'STATUS', 'REVISIONS', 'CREATED'],
        ),
      );
    return ExitCode.ok;
  });
}

export async function rollbackShow(options: GlobalOptions, id: string): Promise<number> {
  return withApi(options, async (api) => {
    const detail = await api.rollback(id);
    if (options.json) printJson(detail);
    else {
      printLines([
        `${detail.id}: ${detail.kind} rollback of ${detail.service} in ${detail.environment}, r${detail.fromRevision ?? '?'} → r${detail.toRevision}: ${detail.status}`,
        `reason: ${detail.reason} (by ${detail.requestedBy})`,
        ...(detail.error ? [`error: ${detail.error}`] : []),
        '',
        ...table(
          detail.steps.map((s) => [
            s.index + 1,
            s.name,
            s.status,
            s.attempts,
            s.startedAt && s.finishedAt ? `${s.finishedAt - s.startedAt}ms` : null,
            s.title,
          ]),
          ['#', 'STEP', 'STATUS', 'TRIES', 'TOOK', 'WHAT'],
        ),
        '',
        'journal:',
        ...detail.journal.map(
          (j) => `  step ${j.stepIndex + 1} attempt ${j.attempt}: ${j.status}${j.error ? ` — ${j.error}` : ''}`,
        ),
      ]);
    }
    return ExitCode.ok;
  });
}

export function register(program: Command): void {
  withGlobalOptions(
    program.command('status [service]').description('live release, traffic, active rollback and pending approvals'),
  )
    .option('--watch', 'follow changes until Ctrl-C', false)
    .action(action(status));
  withGlobalOptions(program.command('history <service>').description('releases of a service, newest first')).action(
    action(history),
  );
  withGlobalOptions(program.command('rollbacks').description('rollbacks, newest first'))
    .option('--service <name>', 'only this service')
    .action(action(rollbacks));
  const rollback = program.command('rollback').description('one rollback');
  withGlobalOptions(rollback.command('show <id>').description('a rollback with its steps and journal')).action(
    action(rollbackShow),
  );
}
