import type { Release } from '../../core/model.js';
import type { Driver, DriverCallOptions, LiveState } from '../../core/ports/driver.js';
import { blueGreenWorkload } from './blue-green.js';
import type { KubeClient } from './client.js';
import { createKubeClient } from './client.js';
import type { KubernetesDriverOptions, Workload } from './options.js';
import { rollingWorkload } from './rolling.js';
import { kubernetesSignalSource } from './signals.js';

export type { KubernetesDriverOptions } from './options.js';
export { createKubeClient } from './client.js';

/**
 * The kubernetes driver for one service: plain Deployments and Services through
 * the API server, no CRDs. Rolling services undo natively (kubectl rollout undo
 * semantics); blue-green services keep the previous colour warm and switch the
 * Service selector. The client connects on first use.
 */
export function createKubernetesDriver(options: KubernetesDriverOptions): Driver {
  let client: Promise<KubeClient> | null = options.client ? Promise.resolve(options.client) : null;
  const connect = (): Promise<KubeClient> => (client ??= createKubeClient(options.connection));
  const workloads = new Map<string, Promise<Workload>>();
  const workload = (environment: string): Promise<Workload> => {
    let found = workloads.get(environment);
    if (!found) {
      const namespace = options.namespace.replaceAll('{env}', environment);
      found = connect().then((c) =>
        options.strategy === 'rolling'
          ? rollingWorkload(c, options, namespace)
          : blueGreenWorkload(c, options, namespace),
      );
      workloads.set(environment, found);
    }
    return found;
  };
  const rolling = options.strategy === 'rolling';
  const signals = kubernetesSignalSource(async (environment, revision, version) =>
    (await workload(environment)).podsOf(revision, version),
  );

  return {
    type: 'kubernetes',
    capabilities: {
      health: true,
      needsOwner: false,
      nativeUndo: rolling,
      preferNativeUndo: rolling,
      warmPrevious: !rolling,
      weights: false,
      rollsInPlace: rolling,
      configSnapshot: rolling,
      flags: true,
    },
    limits: () => ({ commandMs: options.timeoutMs, stopMs: 30_000 }),
    frontDoor: () => null,
    async describe(service, environment): Promise<LiveState> {
      const { releases, healthy } = await (await workload(environment)).describe();
      return { service, environment, releases, observed: true, healthy };
    },
    start: async (release, call: DriverCallOptions = {}) => (await workload(release.environment)).start(release, call),
    shiftTraffic: async (_service, environment, weights, _releases, call: DriverCallOptions = {}) =>
      (await workload(environment)).shiftTraffic(weights, call),
    retire: async (release, call: DriverCallOptions = {}) =>
      (await workload(release.environment)).retire(release, call),
    ...(rolling
      ? {
          undo: async (_service: string, environment: string, to: Release, call: DriverCallOptions = {}) => {
            const w = await workload(environment);
            if (!w.undo) throw new Error('this workload has no native undo');
            return w.undo(to, call);
          },
          nextRevision: async (_service: string, environment: string) =>
            (await (await workload(environment)).nextRevision?.()) ?? null,
        }
      : {}),
    setFlag: async (_service, environment, flag, value, call: DriverCallOptions = {}) =>
      (await workload(environment)).setEnv(flag, value, call),
    history: async (_service, environment) => (await workload(environment)).history(),
    signals: () => signals,
  };
}
