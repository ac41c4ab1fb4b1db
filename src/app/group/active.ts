import type { Rollback } from '../../core/model.js';
import type { AppContext } from '../context.js';

/**
 * The rollback of several services (`@all`, `@<group>`) now running that includes
 * `service`, or null. The store keeps one active rollback per service and
 * environment by name; a group record carries its members in its steps, so this
 * extends the rule to them: nothing else rolls back or deploys a member meanwhile.
 */
export async function activeGroupRollbackOf(
  ctx: AppContext,
  service: string,
  environment: string,
): Promise<Rollback | null> {
  const active = await ctx.store.listRollbacks({ environment, status: ['planned', 'running'] });
  for (const rollback of active) {
    if (!rollback.service.startsWith('@')) continue;
    const detail = await ctx.store.getRollback(rollback.id);
    if (detail?.steps.some((step) => step.params.service === service)) return rollback;
  }
  return null;
}
