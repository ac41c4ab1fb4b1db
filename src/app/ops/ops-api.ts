import { groupOutcome } from '../../core/group-order.js';
import type { AppContext } from '../context.js';
import type { ConfigDiff } from '../config-files/diff.js';
import { configDiff } from '../config-files/diff.js';
import type { GroupUndoRequest, GroupUndoResult } from '../group/undo-group.js';
import { planGroupUndo, runGroupUndo } from '../group/undo-group.js';
import { requestProtectedGroupUndo } from '../approvals/protected-group.js';
import type { FlagRequest, FlagResult, ReleaseFlags } from './flags.js';
import { listFlags, setFlag } from './flags.js';
import type { ServiceOpRequest, ServiceOpResult } from './restart.js';
import { restartService, startService, stopService } from './restart.js';
import type { AdoptRequest, AdoptResult } from './adopt.js';
import { adoptService } from './adopt.js';

/**
 * Operations on a running service beside deploy and undo: the rolling restart,
 * stop and start, adoption of what runs outside Rewind, and feature flags. Served by the controller (which owns the
 * local driver's processes), or run in-process for drivers that need no owner.
 */
export interface OpsApi {
  restart(request: ServiceOpRequest): Promise<ServiceOpResult>;
  stop(request: ServiceOpRequest): Promise<ServiceOpResult>;
  start(request: ServiceOpRequest): Promise<ServiceOpResult>;
  /** takes containers running outside Rewind (selected by label) as the live release, without restarting them */
  adopt(request: AdoptRequest): Promise<AdoptResult>;
  setFlag(request: FlagRequest): Promise<FlagResult>;
  flags(service: string, environment?: string): Promise<ReleaseFlags[]>;
  /** what changed in the config files kept for two releases, secret-looking values masked */
  configDiff(request: { service: string; environment?: string; from: number; to: number }): Promise<ConfigDiff>;
  /** plans, saves and starts a rollback of several services; with `wait` resolves when it ends */
  undoGroup(request: GroupUndoRequest & { wait?: boolean }): Promise<GroupUndoResult>;
}

export function createOpsApi(ctx: AppContext): OpsApi {
  return {
    restart: (request) => restartService(ctx, request),
    stop: (request) => stopService(ctx, request),
    start: (request) => startService(ctx, request),
    adopt: (request) => adoptService(ctx, request),
    setFlag: (request) => setFlag(ctx, request),
    flags: (service, environment) => listFlags(ctx, service, environment),
    configDiff: ({ service, environment, from, to }) => configDiff(ctx, service, environment, from, to),
    async undoGroup({ wait, ...request }) {
      const waiting = await requestProtectedGroupUndo(ctx, request);
      if (waiting) return waiting;
      const planned = await planGroupUndo(ctx, request);
      if (!planned.rollback) return planned;
      const running = runGroupUndo(ctx, planned.rollback.id);
      if (!wait) {
        running.catch(() => undefined);
        return planned;
      }
      const rollback = await running;
      return { ...planned, rollback, outcome: groupOutcome(rollback) };
    },
  };
}
