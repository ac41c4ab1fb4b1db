import type { OverviewCell } from '../../../src/app/dashboard/overview.js';
import type { Page } from '../main.js';
import { get } from '../api.js';
import { badge, fill, h, link } from '../dom.js';
import { countdown, weights } from '../format.js';
import { refreshOn } from '../live.js';

interface OverviewData {
  environments: string[];
  services: string[];
  cells: OverviewCell[];
}

function health(cell: OverviewCell) {
  if (cell.healthy === null) return badge('unknown', 'muted');
  return cell.healthy ? badge('healthy', 'ok') : badge('unhealthy', 'bad');
}

function cellView(cell: OverviewCell): HTMLElement {
  const href = `#/service/${encodeURIComponent(cell.service)}/${encodeURIComponent(cell.environment)}`;
  return h(
    'article',
    {
      class: `cell${cell.attention ? ' attention' : ''}`,
      'data-service': cell.service,
      'data-environment': cell.environment,
    },
    h(
      'h2',
      {},
      link(href, cell.service),
      ' ',
      h('span', { class: 'env' }, cell.environment),
      cell.protected ? [' ', badge('protected', 'muted')] : null,
    ),
    h(
      'p',
      { class: 'live-version' },
      cell.live ? `${cell.live.version} · r${cell.live.revision}` : 'nothing deployed',
      ' ',
      cell.live ? badge(cell.live.status) : null,
      ' ',
      health(cell),
    ),
    h('p', { class: 'weights' }, `traffic: ${weights(cell.weights)}`),
    cell.analysis
      ? h(
          'p',
          { class: 'analysis' },
          `analysing ${cell.analysis.version} (r${cell.analysis.revision}) `,
          h('progress', { max: 100, value: Math.round(cell.analysis.progress * 100) }),
        )
      : null,
    cell.activeRollback
      ? h(
          'p',
          { class: 'rollback' },
          badge('rolling back', 'warn'),
          ' ',
          link(`#/rollback/${cell.activeRollback.id}`, `to r${cell.activeRollback.toRevision}`),
          cell.currentStep
            ? ` — step ${cell.currentStep.index + 1}/${cell.currentStep.total}: ${cell.currentStep.title}`
            : '',
        )
      : null,
    ...cell.pendingApprovalsDetail.map((a) =>
      h(
        'p',
        { class: 'approval' },
        badge('approval pending', 'warn'),
        ' ',
        link('#/approvals', a.action === 'rollback' ? 'automatic rollback' : `${a.action} asked by ${a.requestedBy}`, {
          title: a.reason,
        }),
        ' ',
        h('span', { class: 'countdown', 'data-deadline': a.deadline }, countdown(a.deadline)),
      ),
    ),
    cell.escalation
      ? h(
          'p',
          { class: 'escalation' },
          badge('escalated', 'bad'),
          ' ',
          link(`#/rollback/${cell.escalation.id}`, cell.escalation.error ?? 'a rollback needs a human'),
        )
      : null,
  );
}

/** Services × environments, live: what runs, where traffic goes, what needs a human. */
export const overviewPage: Page = (main) => {
  const search = h('input', { id: 'search', type: 'search', placeholder: 'service or version' });
  const attention = h('input', { id: 'attention', type: 'checkbox' });
  const grid = h('div', { class: 'grid', 'aria-live': 'polite' });
  let data: OverviewData | null = null;
  const draw = () => {
    if (!data) return;
    const term = search.value.trim().toLowerCase();
    const shown = data.cells.filter(
      (c) =>
        (!attention.checked || c.attention) &&
        (!term || `${c.service} ${c.environment} ${c.live?.version ?? ''}`.toLowerCase().includes(term)),
    );
    fill(grid, shown.length ? shown.map(cellView) : h('p', { class: 'muted' }, 'Nothing matches.'));
  };
  const load = () =>
    get<OverviewData>('/v1/overview')
      .then((d) => ((data = d), draw()))
      .catch((e: Error) => fill(grid, h('p', { class: 'error' }, e.message)));
  search.addEventListener('input', draw);
  attention.addEventListener('change', draw);
  fill(
    main,
    h('h1', {}, 'Overview'),
    h(
      'div',
      { class: 'toolbar' },
      h('label', { for: 'search' }, 'Search'),
      search,
      h('label', { class: 'check' }, attention, ' Needs attention'),
    ),
    grid,
  );
  void load();
  const tick = setInterval(() => {
    for (const el of grid.querySelectorAll<HTMLElement>('.countdown')) {
      el.textContent = countdown(Number(el.dataset.deadline));
    }
  }, 1000);
  const stop = refreshOn(() => true, load, 200);
  // analysis progress moves without events
  const slow = setInterval(load, 5000);
  return () => {
    stop();
    clearInterval(tick);
    clearInterval(slow);
  };
};
