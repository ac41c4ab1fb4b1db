/**
 * Kubernetes test harness: the SIMULATED API server (src/sim/kubernetes) on a free
 * port, a kubeconfig for it, and Debian's real `kubectl` to create workloads and to
 * read back what a person would see. Every result from the simulator is simulated.
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startKubeSim } from '../../src/sim/kubernetes/index.js';
import type { KubeSim } from '../../src/sim/kubernetes/index.js';
import { missingPart } from '../harness/free-port.js';

export const hasKubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
/** `describe.skipIf(skipKube)`: fails in CI when kubectl is missing, skips loudly elsewhere. */
export const skipKube = hasKubectl ? false : missingPart('kubectl (Debian package kubernetes-client)') === 'skip';

export interface SimCluster {
  sim: KubeSim;
  kubeconfig: string;
  /**
   * runs real kubectl against the simulated API server; throws on a non-zero exit.
   * Asynchronous: the simulator answers from this same process.
   */
  kubectl(args: string[], input?: string): Promise<string>;
  json<T = Record<string, unknown>>(args: string[]): Promise<T>;
  close(): Promise<void>;
}

export async function startSimCluster(dir: string): Promise<SimCluster> {
  const sim = await startKubeSim();
  const kubeconfig = join(dir, 'kubeconfig');
  await sim.writeKubeconfig(kubeconfig);
  const kubectl = (args: string[], input?: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const child = spawn('kubectl', ['--kubeconfig', kubeconfig, ...args], { timeout: 30_000 });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) =>
        code === 0
          ? resolve(stdout)
          : reject(new Error(`kubectl ${args.join(' ')} (simulated API server) exited ${code}: ${stderr || stdout}`)),
      );
      child.stdin.end(input ?? '');
    });
  return {
    sim,
    kubeconfig,
    kubectl,
    json: async <T>(args: string[]) => JSON.parse(await kubectl([...args, '-o', 'json'])) as T,
    close: () => sim.close(),
  };
}

/** A Deployment manifest with one container `name` running `image`. */
export function deploymentManifest(
  name: string,
  namespace: string,
  image: string,
  replicas: number,
  labels: Record<string, string>,
  extra: { env?: { name: string; value: string }[]; configMap?: string } = {},
): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      replicas,
      progressDeadlineSeconds: 600,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name: labels.app ?? name,
              image,
              ...(extra.env ? { env: extra.env } : {}),
              ...(extra.configMap ? { envFrom: [{ configMapRef: { name: extra.configMap } }] } : {}),
            },
          ],
        },
      },
    },
  };
}

/** An Istio VirtualService whose first route sends all traffic to the first host, none to the second. */
export function virtualServiceManifest(
  name: string,
  namespace: string,
  hosts: [string, string],
): Record<string, unknown> {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name, namespace },
    spec: {
      hosts: [`${name}.${namespace}.svc.cluster.local`],
      http: [
        {
          route: [
            { destination: { host: hosts[0] }, weight: 100 },
            { destination: { host: hosts[1] }, weight: 0 },
          ],
        },
      ],
    },
  };
}

export const namespaceManifest = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

/** `kubectl apply -f -` of several objects, one YAML document each. */
export function applyAll(cluster: SimCluster, objects: Record<string, unknown>[]): Promise<string> {
  return cluster.kubectl(['apply', '-f', '-'], objects.map((o) => stringify(o)).join('---\n'));
}

/** The REVISION column of `kubectl rollout history`, as numbers. */
export async function historyRevisions(cluster: SimCluster, namespace: string, deployment: string): Promise<number[]> {
  return (await cluster.kubectl(['rollout', 'history', `deployment/${deployment}`, '-n', namespace]))
    .split('\n')
    .map((line) => /^(\d+)\s/.exec(line)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number);
}

export async function imageOf(cluster: SimCluster, namespace: string, deployment: string): Promise<string> {
  return (
    await cluster.kubectl([
      'get',
      'deployment',
      deployment,
      '-n',
      namespace,
      '-o',
      'jsonpath={.spec.template.spec.containers[0].image}',
    ])
  ).trim();
}
