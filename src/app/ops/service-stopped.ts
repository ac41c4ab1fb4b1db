/**
 * A deliberate `rewind stop` holds until `rewind start` (or a release that
 * serves again: a deploy promoted, a rollback completed). It is read from the
 * events, so it survives controller restarts: a controller that starts brings
 * back every live release except those stopped on purpose.
 */
import type { RewindEvent } from '../../core/model.js';
import type { AppContext } from '../context.js';

export interface StoppedState {
  /** who stopped it (the token's name) */
  by: string;
  /** epoch ms */
  at: number;
  reason: string | null;
  revision: number | null;
}

const STOPPED = 'service.stopped';
const SERVING_AGAIN = ['service.started', 'deploy.promoted', 'rollback.completed'];

/** The newest event of `types` for the service in the environment (the store lists oldest first). */
export async function newestEvent(
  ctx: AppContext,
  service: string,
  environment: string,
  types: string[],
): Promise<RewindEvent | null> {
  let last: RewindEvent | null = null;
  for (let afterId = 0; ;) {
    const page = await ctx.store.listEvents({ service, environment, types, afterId, limit: 1000 });
    last = page.at(-1) ?? last;
    if (page.length < 1000) return last;
    afterId = last?.id ?? afterId;
  }
}

/** How the service was stopped, or null when it is not stopped on purpose. */
export async function stoppedState(
  ctx: AppContext,
  service: string,
  environment: string,
): Promise<StoppedState | null> {
  const last = await newestEvent(ctx, service, environment, [STOPPED, ...SERVING_AGAIN]);
  if (last?.type !== STOPPED) return null;
  const reason = last.data.reason;
  return { by: last.actor, at: last.at, reason: typeof reason === 'string' ? reason : null, revision: last.revision };
}
