import type { V1Deployment } from '@kubernetes/client-node';
import type { KubeClient } from './client.js';

export type RolloutState =
  { done: true; failed?: false; message: string } | { done: false; failed: boolean; message: string };

/**
 * Where a Deployment's rollout stands, read as `kubectl rollout status` reads it:
 * nothing counts before the controller has observed the latest generation; a
 * Progressing condition with reason ProgressDeadlineExceeded is a failure; then
 * every replica must be updated, old ones gone, and the updated ones available.
 */
export function rolloutState(deployment: V1Deployment): RolloutState {
  const name = deployment.metadata?.name ?? '?';
  const status = deployment.status ?? {};
  if ((deployment.metadata?.generation ?? 0) > (status.observedGeneration ?? 0))
    return { done: false, failed: false, message: 'waiting for the deployment spec update to be observed' };
  const progressing = status.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded')
    return { done: false, failed: true, message: `deployment "${name}" exceeded its progress deadline` };
  const wanted = deployment.spec?.replicas ?? 1;
  const updated = status.updatedReplicas ?? 0;
  if (updated < wanted)
    return { done: false, failed: false, message: `${updated} out of ${wanted} new replicas have been updated` };
  const total = status.replicas ?? 0;
  if (total > updated)
    return { done: false, failed: false, message: `${total - updated} old replicas are pending termination` };
  const available = status.availableReplicas ?? 0;
  if (available < updated)
    return { done: false, failed: false, message: `${available} of ${updated} updated replicas are available` };
  return { done: true, message: `deployment "${name}" successfully rolled out` };
}

export interface WaitOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** stop early (as a failure) when this answers a reason, e.g. the new pods crash-loop */
  giveUp?: (deployment: V1Deployment) => Promise<string | null>;
}

/** Waits for the rollout on watch events (re-reading when the watch drops); throws on failure or timeout. */
export async function waitForRollout(
  client: KubeClient,
  namespace: string,
  name: string,
  options: WaitOptions,
): Promise<string> {
  const deadline = Date.now() + options.timeoutMs;
  let last = '';
  for (;;) {
    const deployment = await client.readDeployment(namespace, name);
    if (!deployment) throw new Error(`deployment ${namespace}/${name} not found`);
    const state = rolloutState(deployment);
    if (state.message !== last) options.log?.(state.message);
    last = state.message;
    if (state.done) return state.message;
    if (state.failed) throw new Error(state.message);
    const reason = await options.giveUp?.(deployment);
    if (reason) throw new Error(`rollout of ${namespace}/${name} cannot finish: ${reason}`);
    if (options.signal?.aborted) throw new Error(`rollout of ${namespace}/${name} interrupted (${last})`);
    if (Date.now() >= deadline)
      throw new Error(
        `rollout of ${namespace}/${name} not finished after ${Math.round(options.timeoutMs / 1000)}s (${last})`,
      );
    await client.deploymentChanged(
      namespace,
      name,
      Math.min(1_000, Math.max(50, deadline - Date.now())),
      options.signal,
    );
  }
}
