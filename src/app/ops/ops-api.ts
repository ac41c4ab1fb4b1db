import type { AppContext } from '../context.js';
import type { FlagRequest, FlagResult, ReleaseFlags } from './flags.js';
import { listFlags, setFlag } from './flags.js';
import type { ServiceOpRequest, ServiceOpResult } from './restart.js';
import { restartService, startService, stopService } from './restart.js';

/**
 * Operations on a running service beside deploy and undo: the rolling restart,
 * stop and start, and feature flags. Served by the controller (which owns the
 * local driver's processes), or run in-process for drivers that need no owner.
 */
export interface OpsApi {
  restart(request: ServiceOpRequest): Promise<ServiceOpResult>;
  stop(request: ServiceOpRequest): Promise<ServiceOpResult>;
  start(request: ServiceOpRequest): Promise<ServiceOpResult>;
  setFlag(request: FlagRequest): Promise<FlagResult>;
  flags(service: string, environment?: string): Promise<ReleaseFlags[]>;
}

export function createOpsApi(ctx: AppContext): OpsApi {
  return {
    restart: (request) => restartService(ctx, request),
    stop: (request) => stopService(ctx, request),
    start: (request) => startService(ctx, request),
    setFlag: (request) => setFlag(ctx, request),
    flags: (service, environment) => listFlags(ctx, service, environment),
  };
}
