import type { Approval, RewindEvent, Release, RollbackDetail } from '../core/model.js';
import type { ApprovalDecisionRequest, ApprovalResult } from './approvals/index.js';
import { approve, listApprovals, reject } from './approvals/index.js';
import { requestProtectedUndo } from './approvals/protected-undo.js';
import { runApprovedOperation } from './approvals/run-operation.js';
import { requestProtectedOperation } from './approvals/protected-ops.js';
import type { AppContext } from './context.js';
import type { Analyzer, DeployRequest, DeployResult } from './deploy.js';
import { deploy } from './deploy.js';
import type { EventsQuery, RollbackWithImpact, ServiceStatus } from './queries.js';
import { events, history, rollbackDetail, rollbacks, status } from './queries.js';
import type { UndoRequest, UndoResult } from './undo.js';
import { planUndo, runPlanned } from './undo.js';
import type { IncidentReport } from '../report/index.js';
import type { DrillRequest } from './drill/run-drill.js';
import { runDrill } from './drill/run-drill.js';
import type { DrillStatus } from './drill/drill-status.js';
import { drillStatus } from './drill/drill-status.js';
import { incidentReport } from './record/incident.js';

/**
 * The use cases as one object: what the HTTP API serves and what the CLI calls,
 * either over HTTP or in-process on the same store. Same shapes either way.
 */
export interface RewindApi {
  deploy(request: DeployRequest): Promise<DeployResult>;
  /**
   * plans, saves and starts a rollback; with `wait` resolves when it ends. In a
   * protected environment a manual undo returns `approval` instead (rollback null).
   */
  undo(request: UndoRequest & { wait?: boolean }): Promise<UndoResult & { approval?: Approval }>;
  /** approves a pending approval and starts what it stands for; with `wait` resolves when that rollback ends */
  approve(request: ApprovalDecisionRequest & { wait?: boolean }): Promise<ApprovalResult>;
  reject(request: ApprovalDecisionRequest): Promise<ApprovalResult>;
  /** pending approvals by default */
  /** pending approvals by default; `visible`: only those of these environments (a token's limit) */
  approvals(query: {
    service?: string;
    environment?: string;
    status?: Approval['status'][];
    visible?: string[] | null;
  }): Promise<Approval[]>;
  status(service: string, environment?: string): Promise<ServiceStatus>;
  history(service: string, environment?: string): Promise<Release[]>;
  /** `visible`: only rollbacks of these environments (a token's limit); null or absent: all */
  rollbacks(query: {
    service?: string;
    environment?: string;
    limit?: number;
    visible?: string[] | null;
  }): Promise<RollbackWithImpact[]>;
  rollback(id: string): Promise<RollbackDetail>;
  events(query: EventsQuery): Promise<RewindEvent[]>;
  /** the incident report of a rollback, rebuilt from the store */
  report(rollbackId: string): Promise<IncidentReport>;
  /** starts a drill; with `wait` resolves when it has finished */
  drill(request: DrillRequest & { wait?: boolean }): Promise<DrillStatus>;
  drillStatus(drillId: string): Promise<DrillStatus>;
}

export interface AppOptions {
  /** `waits(service)` false: nothing to analyse, so a deploy without --watch answers with its final outcome */
  analyzer?: (ctx: AppContext) => (Analyzer & { waits?(service: string): boolean }) | undefined;
  /** where background rollbacks are tracked, so shutdown can wait for them */
  track?: (work: Promise<unknown>) => void;
  signal?: AbortSignal;
}

export function createApi(ctx: AppContext, options: AppOptions = {}): RewindApi {
  const api: RewindApi = {
    async deploy(request) {
      const analyzer = options.analyzer?.(ctx);
      if (request.watch || !analyzer || analyzer.waits?.(request.service) === false) {
        // tracked too, so controller shutdown waits for (or interrupts) a watched deploy
        const work = deploy(ctx, request, analyzer);
        options.track?.(work);
        return work;
      }
      // without --watch: answer once the release has traffic; analysis goes on here
      let early: (result: DeployResult) => void = () => undefined;
      const answered = new Promise<DeployResult>((resolve) => (early = resolve));
      const full = deploy(ctx, request, analyzer, early);
      options.track?.(full);
      return Promise.race([full, answered]);
    },
    async undo(request) {
      const protectedUndo = await requestProtectedUndo(ctx, request);
      if (protectedUndo) return protectedUndo;
      const planned = await planUndo(ctx, request);
      if (!planned.rollback) return planned;
      const running = runPlanned(ctx, planned.rollback.id, options.signal);
      options.track?.(running);
      if (request.wait) return { ...planned, rollback: await running };
      running.catch(() => undefined);
      return planned;
    },
    approve: ({ wait, ...request }) =>
      approve(
        ctx,
        request,
        async (id) => {
          const running = runPlanned(ctx, id, options.signal);
          options.track?.(running);
          if (wait) return running;
          running.catch(() => undefined);
          return await rollbackDetail(ctx, id);
        },
        (approval) => runApprovedOperation(ctx, approval, (r) => api.drill({ ...r, ...(wait ? { wait } : {}) })),
      ),
    reject: (request) => reject(ctx, request),
    approvals: (query) => listApprovals(ctx, query),
    status: (service, environment) => status(ctx, service, environment),
    history: (service, environment) => history(ctx, service, environment),
    rollbacks: (query) => rollbacks(ctx, query),
    rollback: (id) => rollbackDetail(ctx, id),
    events: (query) => events(ctx, query),
    report: (id) => incidentReport(ctx, id),
    async drill(request) {
      if (!request.approved) {
        const { actor, wait: _wait, approved: _approved, ...asked } = request;
        const approval = await requestProtectedOperation(ctx, {
          requestedBy: actor.name,
          reason: `drill in ${asked.environment}${asked.service ? ` on ${asked.service}` : ''} (fault ${asked.fault ?? 'default'})`,
          payload: { kind: 'drill', request: asked },
        });
        if (approval) return { drillId: '', status: 'waiting', result: null, approval };
      }
      let started: (id: string) => void = () => undefined;
      const begun = new Promise<string>((resolve) => (started = resolve));
      // the drill deploys and undoes through this same API (analysis, tracking)
      const full = runDrill(ctx, request, { deploy: (r) => api.deploy(r), undo: (r) => api.undo(r) }, started);
      options.track?.(full);
      const finished = full.then((result): DrillStatus => ({ drillId: result.drillId, status: 'finished', result }));
      if (request.wait) return finished;
      finished.catch(() => undefined);
      return Promise.race([
        finished,
        begun.then((drillId): DrillStatus => ({ drillId, status: 'running', result: null })),
      ]);
    },
    drillStatus: (id) => drillStatus(ctx, id),
  };
  return api;
}
