import type { DrillStatus } from '../../../src/app/drill/drill-status.js';
import type { Page } from '../main.js';
import { get } from '../api.js';
import { badge, fill, h, link, table } from '../dom.js';
import { duration, time } from '../format.js';
import { refreshOn } from '../live.js';

/** Rehearsals of the rollback path and how fast each was, against the targets. */
export const drillsPage: Page = (main) => {
  const list = h('section', { 'aria-live': 'polite' });
  const load = async () => {
    const drills = await get<(DrillStatus & { startedAt: number })[]>('/v1/drills');
    fill(
      list,
      drills.length === 0
        ? h('p', { class: 'muted' }, 'No drills yet: rewind drill <env> rehearses a rollback.')
        : null,
      table(
        ['started', 'service', 'env', 'fault', 'outcome', 'detected after', 'traffic back after', 'targets', ''],
        drills.map((d) => {
          const r = d.result;
          return [
            time(d.startedAt),
            r?.service ?? '—',
            r?.environment ?? '—',
            r?.fault ?? '—',
            r ? badge(r.outcome, r.outcome === 'rolled-back' ? 'ok' : 'bad') : badge('running', 'warn'),
            duration(r?.detectedAfterMs),
            duration(r?.trafficRestoredAfterMs),
            r
              ? r.targetsMissed.length
                ? badge(`missed ${r.targetsMissed.join(', ')}`, 'bad')
                : badge('met', 'ok')
              : '',
            r?.rollbackId ? link(`#/incident/${r.rollbackId}`, 'Report') : '',
          ];
        }),
      ),
    );
  };
  fill(main, h('h1', {}, 'Drills'), list);
  const fail = (e: Error) => fill(list, h('p', { class: 'error' }, e.message));
  void load().catch(fail);
  return refreshOn(
    (e) => e.type.startsWith('drill.'),
    () => void load().catch(fail),
  );
};
