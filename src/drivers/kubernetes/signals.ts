import type { SignalQuery, SignalReading, SignalSource } from '../../core/ports/signal-source.js';
import type { RevisionPods } from './options.js';
import { summarizePods } from './pods.js';

/** What the cluster itself says about a revision's pods, read when asked (no history needed). */
export const KUBERNETES_METRICS = [
  'restarts',
  'readyPods',
  'availablePods',
  'crashLoopBackOff',
  'oomKilled',
  'progressDeadlineExceeded',
] as const;

/**
 * The kubernetes driver's own signals, per revision: container restarts summed over
 * its pods, ready pods, pods in CrashLoopBackOff, OOMKilled pods, and whether its
 * rollout exceeded the Deployment's progress deadline (1) or not (0). A revision
 * with no pods has no data; an API error is inconclusive, never healthy.
 */
export function kubernetesSignalSource(
  podsOf: (environment: string, revision: number, version: string) => Promise<RevisionPods | null>,
): SignalSource {
  return {
    name: 'kubernetes',
    metrics: KUBERNETES_METRICS,
    async read(query: SignalQuery): Promise<SignalReading> {
      try {
        const found = await podsOf(query.environment, query.revision, query.version);
        if (!found) return { status: 'no-data', samples: 0 };
        if (query.metric === 'progressDeadlineExceeded')
          return { status: 'ok', value: found.progressDeadlineExceeded ? 1 : 0, samples: 1 };
        if (found.pods.length === 0) return { status: 'no-data', samples: 0 };
        const summary = summarizePods(found.pods);
        const value: Record<(typeof KUBERNETES_METRICS)[number], number> = {
          restarts: summary.restarts,
          readyPods: summary.ready,
          availablePods: summary.ready,
          crashLoopBackOff: summary.crashLooping,
          oomKilled: summary.oomKilled,
          progressDeadlineExceeded: found.progressDeadlineExceeded ? 1 : 0,
        };
        return { status: 'ok', value: value[query.metric as keyof typeof value] ?? 0, samples: summary.pods };
      } catch (error) {
        return { status: 'inconclusive', error: `Kubernetes API: ${(error as Error).message}` };
      }
    },
  };
}
