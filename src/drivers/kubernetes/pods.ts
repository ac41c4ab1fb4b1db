import type { V1LabelSelector, V1Pod } from '@kubernetes/client-node';
import type { InstanceOutput } from '../../core/ports/driver.js';
import type { KubeClient } from './client.js';

/** What the pods of one revision say about it: the cluster's own signals. */
export interface PodSummary {
  pods: number;
  ready: number;
  /** container restarts, summed over the pods */
  restarts: number;
  /** pods with a container waiting in CrashLoopBackOff */
  crashLooping: number;
  /** pods with a container whose last (or current) termination was OOMKilled */
  oomKilled: number;
}

export function summarizePods(pods: V1Pod[]): PodSummary {
  const summary: PodSummary = { pods: 0, ready: 0, restarts: 0, crashLooping: 0, oomKilled: 0 };
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    summary.pods += 1;
    if (pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) summary.ready += 1;
    const statuses = pod.status?.containerStatuses ?? [];
    summary.restarts += statuses.reduce((sum, s) => sum + (s.restartCount ?? 0), 0);
    if (statuses.some((s) => s.state?.waiting?.reason === 'CrashLoopBackOff')) summary.crashLooping += 1;
    if (
      statuses.some(
        (s) => s.lastState?.terminated?.reason === 'OOMKilled' || s.state?.terminated?.reason === 'OOMKilled',
      )
    )
      summary.oomKilled += 1;
  }
  return summary;
}

/** `matchLabels` as a label selector string (the driver never writes matchExpressions). */
export function selectorString(selector: V1LabelSelector | undefined): string {
  return Object.entries(selector?.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

const linesOf = (text: string | null): string[] | null => {
  if (text === null) return null;
  const lines = text.split('\n').map((l) => l.trimEnd());
  if (lines.at(-1) === '') lines.pop();
  return lines;
};

/**
 * What the pods of a release printed, per container; a container that restarted also
 * gives its run that terminated last as `<pod>/<container> (previous)` (runbook:
 * `kubectl logs --previous`), where a crash loop leaves the lines that explain it.
 */
export async function podOutputs(
  client: KubeClient,
  namespace: string,
  pods: V1Pod[],
  maxLines: number,
): Promise<InstanceOutput[]> {
  const out: InstanceOutput[] = [];
  for (const pod of pods) {
    const name = pod.metadata?.name ?? '';
    for (const container of pod.spec?.containers ?? []) {
      const status = pod.status?.containerStatuses?.find((s) => s.name === container.name);
      const read = async (previous: boolean) =>
        linesOf(
          await client
            .readPodLog(namespace, name, container.name, { previous, tailLines: maxLines })
            .catch((error: unknown) => `(logs unavailable: ${(error as Error).message})`),
        );
      if ((status?.restartCount ?? 0) > 0) {
        const previous = await read(true);
        if (previous) out.push({ instance: `${name}/${container.name} (previous)`, lines: previous });
      }
      const current = await read(false);
      if (current) out.push({ instance: `${name}/${container.name}`, lines: current });
    }
  }
  return out;
}
