import type { RewindApi } from '../app/index.js';
import type { DeployResult } from '../app/deploy.js';
import { lastEventId } from './live.js';

/**
 * `deploy --watch` promises exit 4 when a human must act: this follows the
 * controller's events and resolves with a `waiting` result once an approval is
 * requested for the release the deploy made, or policy escalated it. The deploy
 * and its analysis go on in the controller.
 */
export async function whenHumanMustAct(
  api: RewindApi,
  target: { service: string; environment: string; version: string },
): Promise<{ answered: Promise<DeployResult>; stop(): void }> {
  const { service, environment } = target;
  let afterId = await lastEventId(api, service, environment);
  let stopped = false;
  const answered = (async (): Promise<DeployResult> => {
    let revision: number | null = null;
    while (!stopped) {
      const page = await api.events({ service, environment, afterId, limit: 500 }).catch(() => []);
      for (const event of page) {
        afterId = event.id;
        // one deploy per service and environment at a time: the first that starts is this one
        if (event.type === 'deploy.started' && revision === null) revision = event.revision;
        if (revision === null || event.revision !== revision) continue;
        if (event.type === 'approval.requested' || event.type === 'policy.escalated')
          return {
            service,
            environment,
            outcome: 'waiting',
            release: { revision, version: target.version, status: 'analyzing' },
            rollbackId: null,
            reason: event.message,
          };
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    return new Promise<never>(() => undefined);
  })();
  return {
    answered,
    stop: () => {
      stopped = true;
    },
  };
}
