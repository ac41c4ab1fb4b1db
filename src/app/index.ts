import type { RewindEvent, Release, Rollback, RollbackDetail } from '../core/model.js';
import type { AppContext } from './context.js';
import type { Analyzer, DeployRequest, DeployResult } from './deploy.js';
import { deploy } from './deploy.js';
import type { ServiceStatus } from './queries.js';
import { events, history, rollbackDetail, rollbacks, status } from './queries.js';
import type { UndoRequest, UndoResult } from './undo.js';
import { planUndo, runPlanned } from './undo.js';

/**
 * The use cases as one object: what the HTTP API serves and what the CLI calls,
 * either over HTTP or in-process on the same store. Same shapes either way.
 */
export interface RewindApi {
  deploy(request: DeployRequest): Promise<DeployResult>;
  /** plans, saves and starts a rollback; with `wait` resolves when it ends */
  undo(request: UndoRequest & { wait?: boolean }): Promise<UndoResult>;
  status(service: string, environment?: string): Promise<ServiceStatus>;
  history(service: string, environment?: string): Promise<Release[]>;
  rollbacks(query: { service?: string; environment?: string; limit?: number }): Promise<Rollback[]>;
  rollback(id: string): Promise<RollbackDetail>;
  events(query: { service?: string; environment?: string; rollbackId?: string; afterId?: number; limit?: number }): Promise<RewindEvent[]>;
}

export interface AppOptions {
  analyzer?: (ctx: AppContext) => Analyzer | undefined;
  /** where background rollbacks are tracked, so shutdown can wait for them */
  track?: (work: Promise<unknown>) => void;
  signal?: AbortSignal;
}

export function createApi(ctx: AppContext, options: AppOptions = {}): RewindApi {
  return {
    async deploy(request) {
      const analyzer = options.analyzer?.(ctx);
      if (request.watch || !analyzer) return deploy(ctx, request, analyzer);
      // without --watch: answer once the release has traffic; analysis goes on here
      let early: (result: DeployResult) => void = () => undefined;
      const answered = new Promise<DeployResult>((resolve) => (early = resolve));
      const full = deploy(ctx, request, analyzer, early);
      options.track?.(full);
      return Promise.race([full, answered]);
    },
    async undo(request) {
      const planned = await planUndo(ctx, request);
      if (!planned.rollback) return planned;
      const running = runPlanned(ctx, planned.rollback.id, options.signal);
      options.track?.(running);
      if (request.wait) return { ...planned, rollback: await running };
      running.catch(() => undefined);
      return planned;
    },
    status: (service, environment) => status(ctx, service, environment),
    history: (service, environment) => history(ctx, service, environment),
    rollbacks: (query) => rollbacks(ctx, query),
    rollback: (id) => rollbackDetail(ctx, id),
    events: (query) => events(ctx, query),
  };
}
