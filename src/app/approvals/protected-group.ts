import type { AppContext } from '../context.js';
import type { GroupUndoRequest, GroupUndoResult } from '../group/undo-group.js';
import { groupRecordName, planGroupUndo } from '../group/undo-group.js';
import { effectivePolicy } from '../policy/effective.js';
import type { GroupUndoPayload } from './execute.js';
import { requestApproval } from './index.js';
import { liveReleases } from './protected-ops.js';

/**
 * `undo --all` / `--group` in a protected environment asks once for the whole
 * plan: one approval that another approver identity gives (four-eyes, as for
 * `undo`), given against what serves now (a change makes it stale). Null when
 * the rollback may run at once.
 */
export async function requestProtectedGroupUndo(
  ctx: AppContext,
  request: GroupUndoRequest,
): Promise<GroupUndoResult | null> {
  if (request.dryRun || request.approved) return null;
  // planned without saving: nothing to roll back, or a missing reason, is refused before anyone is asked
  const preview = await planGroupUndo(ctx, { ...request, dryRun: true });
  const { environment } = preview;
  if (!ctx.loaded.config.environments[environment]?.protected) return null;
  const record = groupRecordName(request.group);
  const live = await liveReleases(
    ctx,
    [environment],
    preview.services.map((s) => s.service),
  );
  const plan = preview.services.map((s) => `${s.service} ${s.from.version} → ${s.to.version}`).join(', ');
  const kind = request.emergency ? 'emergency' : 'manual';
  const payload: GroupUndoPayload = {
    kind: 'group-undo',
    request: {
      ...(request.group ? { group: request.group } : {}),
      ...(request.reason ? { reason: request.reason } : {}),
      ...(request.emergency ? { emergency: true } : {}),
    },
    live,
  };
  const approval = await requestApproval(ctx, {
    service: record,
    environment,
    action: 'undo',
    reason: `${kind} rollback of ${record} in ${environment}: ${plan}${request.reason ? `; ${request.reason}` : ''}`,
    requestedBy: request.actor.name,
    timeoutMs: effectivePolicy(ctx.loaded.config, environment).approvalTimeoutMs,
    // an unapproved rollback lapses: nobody rolls a protected environment back on silence
    onTimeout: 'ignore',
    payload,
  });
  return { ...preview, dryRun: false, rollback: null, approval };
}
