import type { Release } from '../../core/model.js';
import type { Driver, DriverCallOptions, LiveState } from '../../core/ports/driver.js';
import type { KubeClient } from './client.js';
import { createKubeClient } from './client.js';
import type { KubernetesDriverOptions, Workload } from './options.js';
import { rollingWorkload } from './rolling.js';
import { kubernetesSignalSource } from './signals.js';
import { podOutputs } from './pods.js';
import { replicaTraffic, routerTraffic, selectorTraffic } from './traffic.js';
import { twoDeploymentWorkload } from './two-deployments.js';

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
      found = connect().then((c) => {
        if (options.strategy === 'rolling') return rollingWorkload(c, options, namespace);
        const pair: [string, string] = [options.deployment, options.canaryDeployment];
        // replica ratio: the total is the configured replicas, else what both run now (at least 2)
        const total = async () =>
          options.replicas ??
          Math.max(
            2,
            ...(await Promise.all(pair.map(async (d) => (await c.readDeployment(namespace, d))?.spec?.replicas ?? 0))),
          );
        const traffic =
          options.strategy !== 'canary'
            ? selectorTraffic(c, namespace, options.service, options.colorLabel, options.colors)
            : options.router
              ? routerTraffic(c, namespace, options.router, pair)
              : replicaTraffic(c, namespace, pair, total);
        return twoDeploymentWorkload(c, options, namespace, traffic);
      });
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
      weights: options.strategy === 'canary',
      rollsInPlace: rolling,
      configSnapshot: rolling,
      flags: true,
      // the Service, router or Deployments that split traffic record the lease token of each write
      fencedTraffic: !rolling,
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
    async logs(release, call = {}) {
      const found = await (await workload(release.environment)).podsOf(release.revision, release.version);
      const namespace = options.namespace.replaceAll('{env}', release.environment);
      return podOutputs(await connect(), namespace, found?.pods ?? [], call.maxLines ?? 10_000);
    },
    signals: () => signals,
  };
}
