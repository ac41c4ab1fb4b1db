/**
 * What `rewind status` must say about the live release itself, beside
 * escalations and approvals: a live release that serves nobody (no instance
 * running or ready, no traffic), one still judged by the readiness check it was
 * made ready under because the config now asks for another, and a service
 * stopped on purpose. Each comes with the command that acts on it.
 */
import type { Release } from '../../core/model.js';
import type { LiveState } from '../../core/ports/driver.js';
import type { Attention } from '../attention.js';
import type { AppContext } from '../context.js';
import { serviceConfig } from '../context.js';
import { newestEvent, type StoppedState } from './service-stopped.js';

export const NOT_SERVING = 'service.not-serving';
export const READINESS_KEPT = 'service.readiness-kept';

export interface ServingInput {
  service: string;
  environment: string;
  current: Release | null;
  live: Pick<LiveState, 'releases' | 'observed'>;
  stopped: StoppedState | null;
  /** a rollback of the service is under way: it is what acts on a release that does not serve */
  rollingBack: boolean;
}

type Item = Omit<Attention, 'since'> & { event: string | null };

const check = (path: string | null | undefined) => (path ? `GET ${path}` : 'ready once live');

/** The items without their `since` (pure but for the config lookup). */
export function servingItems(ctx: AppContext, input: ServingInput): Item[] {
  const { service, environment, current, live, stopped } = input;
  const env = `--env ${environment}`;
  const item = (kind: Attention['kind'], reason: string, suggested: string, event: string | null): Item => ({
    kind,
    reason,
    suggested,
    rollbackId: null,
    approvalId: null,
    event,
  });
  if (stopped) {
    const why = `stopped by ${stopped.by}${stopped.reason ? ` — ${stopped.reason}` : ''}; it stays stopped across controller restarts`;
    return [item('stopped', why, `rewind start ${service} ${env}`, null)];
  }
  if (!current || !live.observed) return [];
  const items: Item[] = [];
  const label = `${service} ${current.version} (r${current.revision})`;
  const mine = live.releases.find((r) => r.revision === current.revision);
  const traffic = live.releases.some((r) => r.weight > 0);
  if (!input.rollingBack) {
    if (!mine)
      items.push(
        item('not-serving', `${label} is live but not running`, `rewind start ${service} ${env}`, NOT_SERVING),
      );
    else if (mine.ready === 0)
      items.push(
        item(
          'not-serving',
          `${label} is live but none of its ${mine.desired} instances is ready (${check(mine.readyCheck)})`,
          `rewind undo ${service} ${env}`,
          NOT_SERVING,
        ),
      );
    else if (!traffic)
      items.push(
        item('not-serving', `${label} is live but gets no traffic`, `rewind start ${service} ${env}`, NOT_SERVING),
      );
  }
  const wanted = serviceConfig(ctx, service).health.ready ?? null;
  if (mine && mine.readyCheck !== undefined && mine.readyCheck !== wanted) {
    items.push(
      item(
        'readiness-changed',
        `${label} keeps the readiness check it was made ready under (${check(mine.readyCheck)}); ${ctx.loaded.file} now asks for ${check(wanted)}, which applies to new releases and to instances that pass it — restart proves it one instance at a time, the old ones serve until then`,
        `rewind restart ${service} ${env}`,
        READINESS_KEPT,
      ),
    );
  }
  return items;
}

/** The items with `since`: when the controller first recorded them, or the stop. */
export async function servingAttention(ctx: AppContext, input: ServingInput): Promise<Attention[]> {
  const items = servingItems(ctx, input);
  return Promise.all(
    items.map(async ({ event, ...rest }) => {
      const since = input.stopped
        ? input.stopped.at
        : ((event ? await newestEvent(ctx, input.service, input.environment, [event]) : null)?.at ?? ctx.clock.now());
      return { ...rest, since };
    }),
  );
}
