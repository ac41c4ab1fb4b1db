import type { RewindEvent } from '../core/model.js';
import type { AppContext } from './context.js';
import { resolveEnvironment } from './context.js';
import type { DeployRequest, DeployResult } from './deploy.js';

/**
 * `deploy --watch` answers as soon as a human must act on the release it deploys
 * (an approval was requested for it, or policy escalated it), with the command to
 * run, instead of when the analysis ends. The analysis goes on in the controller.
 */
export function whenHumanMustAct(
  ctx: AppContext,
  request: DeployRequest,
): { answered: Promise<DeployResult>; stop(): void } {
  let environment: string;
  try {
    environment = resolveEnvironment(ctx, request.service, request.environment);
  } catch {
    return { answered: new Promise(() => undefined), stop: () => undefined };
  }
  let revision: number | null = null;
  let resolve: (result: DeployResult) => void = () => undefined;
  const answered = new Promise<DeployResult>((done) => (resolve = done));
  const mine = (event: RewindEvent) => event.service === request.service && event.environment === environment;
  const stop = ctx.onEvent((event) => {
    if (!mine(event)) return;
    // one deploy per service and environment at a time: the first that starts is this one
    if (event.type === 'deploy.started' && revision === null) revision = event.revision;
    if (revision === null || event.revision !== revision) return;
    if (event.type !== 'approval.requested' && event.type !== 'policy.escalated') return;
    resolve({
      service: request.service,
      environment,
      outcome: 'waiting',
      release: { revision, version: request.version, status: 'analyzing' },
      rollbackId: null,
      reason: event.message,
    });
  });
  return { answered, stop };
}
