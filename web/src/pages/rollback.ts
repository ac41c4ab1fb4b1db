import type { SentNotification } from '../../../src/app/dashboard/notifications.js';
import type { IncidentReport } from '../../../src/report/index.js';
import type { RollbackDetail, Step } from '../../../src/core/model.js';
import type { Page } from '../main.js';
import { get } from '../api.js';
import { badge, fill, h, link, table } from '../dom.js';
import { duration, time } from '../format.js';
import { refreshOn } from '../live.js';
import { failedLogs } from './failed-logs.js';
import { impactSection } from './rollback-impact.js';

const stepDuration = (s: Step, now: number) =>
  s.startedAt ? duration((s.finishedAt ?? now) - s.startedAt) + (s.finishedAt ? '' : ' so far') : '—';

export function recoveryTable(report: IncidentReport): HTMLElement {
  return table(
    ['measure', 'measured', 'target', ''],
    report.recovery.checks.length
      ? report.recovery.checks.map((c) => [
          c.target,
          duration(c.measuredMs),
          duration(c.targetMs),
          c.result === 'n/a'
            ? badge('not measured', 'muted')
            : c.result === 'pass'
              ? badge('met', 'ok')
              : badge('missed', 'bad'),
        ])
      : Object.entries(report.recovery.times)
          .filter(([k]) => k.endsWith('Ms'))
          .map(([k, v]) => [k.slice(0, -2), duration(v as number | null), 'no target', '']),
    { class: 'recovery' },
  );
}

export function evidenceTable(report: IncidentReport): HTMLElement {
  return table(
    ['time', 'trigger', 'metric', 'value', 'threshold', 'window', 'samples', 'severity'],
    report.evidence.map((e) => [
      time(e.at),
      e.trigger,
      e.metric,
      e.value === null ? '—' : String(Number(e.value.toFixed(4))),
      `${e.op} ${e.threshold ?? '—'}`,
      duration(e.windowMs),
      e.samples ?? '—',
      e.severity,
    ]),
  );
}

/** A rollback as it runs: the plan's steps going green, the journal, why it happened, how fast. */
export const rollbackPage: Page = (main, _session, [id = '']) => {
  const head = h('section', { 'aria-live': 'polite' });
  const steps = h('section', { class: 'steps' });
  const why = h('section');
  const load = async () => {
    const rollback = await get<RollbackDetail>(`/v1/rollbacks/${encodeURIComponent(id)}`);
    const now = Date.now();
    fill(
      head,
      h(
        'p',
        {},
        badge(rollback.status),
        ` ${rollback.kind} rollback of `,
        link(`#/service/${rollback.service}/${rollback.environment}`, rollback.service),
        ` in ${rollback.environment}: r${rollback.fromRevision ?? '?'} → r${rollback.toRevision}`,
      ),
      h('p', {}, `requested by ${rollback.requestedBy}: ${rollback.reason || '(no reason given)'}`),
      rollback.error ? h('p', { class: 'error' }, rollback.error) : null,
    );
    fill(
      steps,
      h('h2', {}, 'Steps'),
      h(
        'ol',
        { class: 'step-list' },
        ...rollback.steps.map((s) =>
          h(
            'li',
            { class: `step step-${s.status}`, 'data-status': s.status },
            badge(s.status),
            ' ',
            h('span', { class: 'title' }, s.title),
            h(
              'span',
              { class: 'muted' },
              ` ${stepDuration(s, now)}`,
              s.attempts > 1 ? ` · ${s.attempts} attempts` : '',
            ),
            s.error ? h('div', { class: 'error' }, s.error) : null,
          ),
        ),
      ),
      h('h2', {}, 'Journal'),
      table(
        ['step', 'attempt', 'status', 'started', 'took', 'output'],
        rollback.journal.map((j) => [
          rollback.steps[j.stepIndex]?.name ?? String(j.stepIndex),
          j.attempt,
          badge(j.status),
          time(j.startedAt),
          j.finishedAt ? duration(j.finishedAt - j.startedAt) : '—',
          h('code', {}, (j.error ?? j.output ?? '').slice(0, 300)),
        ]),
      ),
    );
    const [report, sent] = await Promise.all([
      get<IncidentReport>(`/v1/rollbacks/${encodeURIComponent(id)}/report`).catch(() => null),
      get<SentNotification[]>(`/v1/rollbacks/${encodeURIComponent(id)}/notifications`).catch(() => []),
    ]);
    if (!report) return;
    fill(
      why,
      ...impactSection(report),
      h('h2', {}, 'Evidence'),
      report.evidence.length ? evidenceTable(report) : h('p', { class: 'muted' }, 'No trigger fired: a person asked.'),
      h('h2', {}, 'Decision'),
      report.decisions.length
        ? table(
            ['time', 'action', 'rule', 'why', 'by'],
            report.decisions.map((d) => [time(d.at), d.action, d.rule, d.reason, d.by]),
          )
        : h('p', { class: 'muted' }, `manual: ${report.summary.requestedBy}`),
      h('h2', {}, 'Recovery times'),
      recoveryTable(report),
      h('h2', {}, 'Notifications sent'),
      sent.length
        ? table(
            ['event', 'channel', 'status', 'attempts', 'sent', 'last error'],
            sent.map((n) => [n.type, n.channel, badge(n.status), n.attempts, time(n.sentAt), n.lastError ?? '']),
            { class: 'notifications' },
          )
        : h('p', { class: 'muted' }, 'No notification channel matched these events.'),
      failedLogs(report),
      h('h2', {}, 'Timeline'),
      table(
        ['time', 'event', 'by', 'message'],
        report.timeline.map((t) => [time(t.at), t.type, t.actor, t.message]),
      ),
      h('p', {}, link(`#/incident/${id}`, 'Incident report')),
    );
  };
  fill(
    main,
    h('p', { class: 'crumbs' }, link('#/', 'Overview'), ` / rollback ${id}`),
    h('h1', {}, 'Rollback'),
    head,
    steps,
    why,
  );
  const fail = (e: Error) => fill(head, h('p', { class: 'error' }, e.message));
  void load().catch(fail);
  const stop = refreshOn(
    (e) => e.rollbackId === id,
    () => void load().catch(fail),
  );
  // running steps tick every second; deliveries (no events of their own) show up within a few
  let ticks = 0;
  const tick = setInterval(() => {
    ticks += 1;
    if (steps.querySelector('[data-status="running"]') || ticks % 3 === 0) void load().catch(fail);
  }, 1000);
  return () => {
    stop();
    clearInterval(tick);
  };
};
