/** What a drill waits for: someone rolling its faulty copy back, and that rollback ending. */
import type { Rollback } from '../../core/model.js';
import { isTerminalRollback } from '../../core/model.js';
import type { AppContext } from '../context.js';

/** The rollback away from the drill's release, once something (the monitor, a human) starts one; null at the deadline or on `stop`. */
export async function waitForRollback(
  ctx: AppContext,
  service: string,
  environment: string,
  revision: number,
  since: number,
  deadline: number,
  stop: AbortSignal,
): Promise<Rollback | null> {
  for (;;) {
    const found = (await ctx.store.listRollbacks({ service, environment, limit: 20 })).find(
      (r) => r.fromRevision === revision && r.createdAt >= since,
    );
    if (found) return found;
    if (ctx.clock.now() >= deadline || stop.aborted) return null;
    await ctx.clock.sleep(200, stop).catch(() => undefined);
  }
}

export async function waitForEnd(ctx: AppContext, id: string): Promise<Rollback> {
  for (;;) {
    const detail = await ctx.store.getRollback(id);
    if (!detail) throw new Error(`rollback ${id} vanished`);
    if (isTerminalRollback(detail.status)) return detail;
    await ctx.clock.sleep(200);
  }
}
