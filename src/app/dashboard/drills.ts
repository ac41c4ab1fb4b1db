import type { AppContext } from '../context.js';
import type { DrillStatus } from '../drill/drill-status.js';
import type { DrillResult } from '../drill/drill-result.js';
import { allEvents } from '../record/incident.js';

/** Every drill the event log knows, newest first: running ones without a result; `visible`: of these environments only. */
export async function drillHistory(
  ctx: AppContext,
  limit = 100,
  visible: string[] | null = null,
): Promise<(DrillStatus & { startedAt: number })[]> {
  const events = await allEvents(ctx, {
    types: ['drill.started', 'drill.finished'],
    ...(visible ? { environments: visible } : {}),
  });
  const byId = new Map<string, DrillStatus & { startedAt: number }>();
  for (const event of events) {
    const id = String(event.data.drillId ?? '');
    if (!id) continue;
    const known = byId.get(id) ?? { drillId: id, status: 'running' as const, result: null, startedAt: event.at };
    if (event.type === 'drill.finished') {
      byId.set(id, { ...known, status: 'finished', result: event.data as unknown as DrillResult });
    } else byId.set(id, known);
  }
  return [...byId.values()].sort((a, b) => b.startedAt - a.startedAt).slice(0, limit);
}
