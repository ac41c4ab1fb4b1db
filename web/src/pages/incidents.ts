import type { IncidentReport } from '../../../src/report/index.js';
import type { Rollback } from '../../../src/core/model.js';
import type { Page } from '../main.js';
import { get } from '../api.js';
import { badge, fill, h, link, table } from '../dom.js';
import { duration, time } from '../format.js';
import { refreshOn } from '../live.js';
import { evidenceTable, recoveryTable } from './rollback.js';

/** Every rollback is an incident with a report; the newest first. */
export const incidentsPage: Page = (main) => {
  const list = h('section', { 'aria-live': 'polite' });
  const load = async () => {
    const rollbacks = await get<Rollback[]>('/v1/rollbacks?limit=200');
    fill(
      list,
      rollbacks.length === 0 ? h('p', { class: 'muted' }, 'No rollbacks yet.') : null,
      table(
        ['when', 'service', 'env', 'kind', 'status', 'revisions', 'took', ''],
        rollbacks.map((r) => [
          time(r.createdAt),
          r.service,
          r.environment,
          r.kind,
          badge(r.status),
          `r${r.fromRevision ?? '?'} → r${r.toRevision}`,
          r.finishedAt && r.startedAt ? duration(r.finishedAt - r.startedAt) : '—',
          link(`#/incident/${r.id}`, 'Report'),
        ]),
      ),
    );
  };
  fill(main, h('h1', {}, 'Incidents'), list);
  const fail = (e: Error) => fill(list, h('p', { class: 'error' }, e.message));
  void load().catch(fail);
  return refreshOn(
    (e) => e.type.startsWith('rollback.'),
    () => void load().catch(fail),
  );
};

/** The incident report rendered: what happened, the harm, how fast it was undone. */
export const incidentPage: Page = (main, _session, [id = '']) => {
  const body = h('section');
  const load = async () => {
    const r = await get<IncidentReport>(`/v1/rollbacks/${encodeURIComponent(id)}/report`);
    fill(
      body,
      h('p', { class: 'headline' }, badge(r.summary.status), ' ', r.summary.headline),
      h(
        'p',
        {},
        link(`#/rollback/${id}`, 'Rollback steps and journal'),
        ' · ',
        h('a', { href: `/v1/rollbacks/${encodeURIComponent(id)}/report?format=md` }, 'Markdown'),
      ),
      h('h2', {}, 'Impact'),
      table(
        ['failed requests', 'total', 'error rate', 'users affected for', 'rollback took'],
        [
          [
            r.impact.failedRequests ?? '—',
            r.impact.totalRequests ?? '—',
            r.impact.errorRate === null ? '—' : `${(r.impact.errorRate * 100).toFixed(2)} %`,
            duration(r.impact.durationMs),
            duration(r.impact.rollbackDurationMs),
          ],
        ],
      ),
      h('h2', {}, 'Recovery times'),
      recoveryTable(r),
      h('h2', {}, 'Evidence'),
      evidenceTable(r),
      h('h2', {}, 'Timeline'),
      h(
        'ol',
        { class: 'timeline' },
        ...r.timeline.map((t) =>
          h('li', {}, h('time', {}, `+${duration(t.offsetMs)}`), ' ', h('strong', {}, t.type), ` ${t.message}`),
        ),
      ),
      h('h2', {}, 'Action items'),
      h('ul', {}, ...r.actionItems.map((a) => h('li', {}, a.text, a.owner ? ` (${a.owner})` : ''))),
    );
  };
  fill(
    main,
    h('p', { class: 'crumbs' }, link('#/incidents', 'Incidents'), ` / ${id}`),
    h('h1', {}, 'Incident report'),
    body,
  );
  void load().catch((e: Error) => fill(body, h('p', { class: 'error' }, e.message)));
  return refreshOn(
    (e) => e.rollbackId === id,
    () => void load().catch(() => undefined),
  );
};
