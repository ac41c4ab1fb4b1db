import type { SignalsView } from '../../../src/app/dashboard/signals.js';
import type { ServiceStatus } from '../../../src/app/queries.js';
import type { Approval, Release, RollbackDetail } from '../../../src/core/model.js';
import { currentRelease, notOfferedAsTarget } from '../../../src/core/targets.js';
import type { Page } from '../main.js';
import { get, post, q } from '../api.js';
import type { Chart } from '../charts.js';
import { metricChart } from '../charts.js';
import { askReason } from '../dialog.js';
import { badge, fill, h, link, table } from '../dom.js';
import { ago, time, weights } from '../format.js';
import { refreshOn } from '../live.js';
import { configChanges, flagsByRevision, flagsCell } from './release-config.js';

const CHARTED = ['errorRate', 'latencyP95Ms', 'requestRate'];
const WINDOW_MS = 15 * 60_000;

/** One service in one environment: its releases, live signals and the way back. */
export const servicePage: Page = (main, session, [service = '', environment = '']) => {
  const mayUndo = session.may.undo?.includes(environment) ?? false;
  const summary = h('section', { class: 'summary', 'aria-live': 'polite' });
  const history = h('section', { class: 'history' });
  const charts = h('section', { class: 'charts' });
  const drawn = new Map<string, Chart>();
  let protectedEnv = false;
  const base = `/${encodeURIComponent(service)}${q({ environment })}`;

  const rollBack = (release: Release) =>
    askReason({
      title: `Roll back ${service} to ${release.version}`,
      text: `Traffic in ${environment} moves to ${release.version} (revision ${release.revision}); the live release is drained and stopped.`,
      note: protectedEnv ? `${environment} is protected: this creates an approval a second person must give.` : null,
      confirm: 'Roll back',
      run: async (reason) => {
        const result = await post<{ rollback: RollbackDetail | null; approval?: Approval }>('/v1/undo', {
          service,
          environment,
          toRevision: release.revision,
          reason,
        });
        location.hash = result.rollback ? `#/rollback/${result.rollback.id}` : '#/approvals';
      },
    });

  /** the button for a good target; for any other release, why there is none (the row's title) */
  const rollBackCell = (release: Release, current: Release | null) => {
    if (release.revision === current?.revision) return '';
    const why = notOfferedAsTarget(release, current);
    if (why) return h('span', { class: 'muted not-target', title: why }, 'not a target');
    return h(
      'button',
      { type: 'button', onclick: () => rollBack(release), 'aria-label': `Roll back to r${release.revision}` },
      'Roll back',
    );
  };

  const load = async () => {
    const [status, releases, flags] = await Promise.all([
      get<ServiceStatus & { protected?: boolean }>(`/v1/status${base}`),
      get<Release[]>(`/v1/history${base}`),
      flagsByRevision(service, environment),
    ]);
    const overview = await get<{ cells: { service: string; environment: string; protected: boolean }[] }>(
      '/v1/overview',
    );
    protectedEnv = overview.cells.some((c) => c.service === service && c.environment === environment && c.protected);
    fill(
      summary,
      h(
        'p',
        {},
        status.live ? `live: ${status.live.version} (r${status.live.revision}) ` : 'nothing live ',
        status.activeRollback
          ? link(`#/rollback/${status.activeRollback.id}`, `rollback ${status.activeRollback.status}`)
          : null,
      ),
      h('p', {}, `traffic: ${weights(status.weights)}`),
    );
    const current = currentRelease(releases);
    fill(
      history,
      h('h2', {}, 'Revisions'),
      table(
        ['rev', 'version', 'deployed', 'by', 'outcome', 'flags', 'config', ''],
        releases.map((r) => [
          `r${r.revision}`,
          r.version,
          h('span', { title: time(r.createdAt) }, ago(r.createdAt)),
          r.deployedBy,
          badge(r.status),
          flagsCell(flags.get(r.revision)),
          h(
            'span',
            { class: 'config' },
            h(
              'code',
              { title: r.configHash ?? 'no config hash recorded' },
              r.configHash ? r.configHash.slice(0, 10) : '—',
            ),
            r.schemaVersion ? ` schema ${r.schemaVersion}` : '',
            r.artifact ? h('div', { class: 'muted' }, h('code', {}, r.artifact)) : null,
            configChanges(service, environment, r.revision),
          ),
          mayUndo ? rollBackCell(r, current) : '',
        ]),
        { class: 'releases' },
      ),
    );
  };

  const loadSignals = async () => {
    const to = Date.now();
    const view = await get<SignalsView>(`/v1/signals${base.replace('?', `?from=${to - WINDOW_MS}&to=${to}&`)}`);
    const width = Math.max(280, (charts.clientWidth || 600) - 20);
    for (const metric of CHARTED) {
      const existing = drawn.get(metric);
      if (existing) existing.update(view);
      else {
        const chart = metricChart(metric, view, width);
        drawn.set(metric, chart);
        charts.append(chart.el);
      }
    }
  };

  fill(
    main,
    h('p', { class: 'crumbs' }, link('#/', 'Overview'), ' / ', service),
    h('h1', {}, `${service} `, h('span', { class: 'env' }, environment)),
    summary,
    history,
    h('h2', {}, 'Signals (last 15 minutes)'),
    charts,
  );
  const fail = (e: Error) => fill(summary, h('p', { class: 'error' }, e.message));
  void load().catch(fail);
  void loadSignals().catch(fail);
  const stop = refreshOn(
    (e) => e.service === service && e.environment === environment,
    () => void load().catch(fail),
  );
  const poll = setInterval(() => void loadSignals().catch(fail), 2000);
  return () => {
    stop();
    clearInterval(poll);
    for (const chart of drawn.values()) chart.destroy();
  };
};
