/**
 * Protected environments: with `environments.<e>.protected: true` a manual or
 * emergency undo does not run at once; it becomes an approval that another
 * approver identity must give (`rewind approve <id>` with their own token).
 */
import type { Approval } from '../../core/model.js';
import type { AppContext } from '../context.js';
import { resolveEnvironment } from '../context.js';
import type { UndoRequest, UndoResult } from '../undo.js';
import { planUndo } from '../undo.js';
import { effectivePolicy } from '../policy/effective.js';
import { requestApproval } from './index.js';
import { liveReleases } from './protected-ops.js';

export type ProtectedUndoResult = UndoResult & { approval: Approval };

/** null when the undo may run now; otherwise the approval that now waits. */
export async function requestProtectedUndo(ctx: AppContext, request: UndoRequest): Promise<ProtectedUndoResult | null> {
  const environment = resolveEnvironment(ctx, request.service, request.environment);
  const kind = request.kind ?? (request.emergency ? 'emergency' : 'manual');
  if (request.dryRun || kind === 'automatic' || kind === 'drill') return null;
  if (!ctx.loaded.config.environments[environment]?.protected) return null;
  // plan without saving: bad targets and missing reasons are refused before anyone is asked
  const preview = await planUndo(ctx, { ...request, environment, dryRun: true });
  const policy = effectivePolicy(ctx.loaded.config, environment);
  const live = await liveReleases(ctx, [environment], [request.service]);
  const approval = await requestApproval(ctx, {
    service: request.service,
    environment,
    action: 'undo',
    reason: `${kind} rollback of ${request.service} in ${environment} to ${preview.to.version} (r${preview.to.revision})${request.reason ? `: ${request.reason}` : ''}`,
    requestedBy: request.actor.name,
    timeoutMs: policy.approvalTimeoutMs,
    // an unapproved undo lapses: nobody rolls a protected environment back on silence
    onTimeout: 'ignore',
    payload: {
      kind: 'undo',
      request: {
        ...(request.toRevision !== undefined
          ? { toRevision: request.toRevision }
          : { toRevision: preview.to.revision }),
        ...(request.reason ? { reason: request.reason } : {}),
        ...(request.emergency ? { emergency: true } : {}),
      },
      live,
    },
    revision: preview.from?.revision ?? null,
  });
  return { ...preview, dryRun: false, rollback: null, approval };
}
