import type { V1Pod } from '@kubernetes/client-node';
import type { Release } from '../../core/model.js';
import type { DriverCallOptions, LiveRelease, PlatformRevision, Weights } from '../../core/ports/driver.js';
import type { KubeClient, KubeConnection } from './client.js';

/** Options of the kubernetes driver for one service (config `driver.type: kubernetes`). */
export interface KubernetesDriverOptions {
  connection: KubeConnection;
  /** namespace of the workload; `{env}` is replaced by the environment; default `default` */
  namespace: string;
  /**
   * `rolling`: one Deployment, revisions are its ReplicaSet revisions (kubectl rollout
   * semantics); `bluegreen`: Deployments `<service>-<colour>` behind a Service whose
   * selector switches colour
   */
  strategy: 'rolling' | 'bluegreen';
  /** rolling: the Deployment's name */
  deployment: string;
  /** bluegreen: the Service whose selector switches */
  service: string;
  /** bluegreen: the selector label naming the colour; default `color` */
  colorLabel: string;
  /** bluegreen: the two colours; default `blue`, `green` */
  colors: [string, string];
  /** the container whose image a deploy sets; default the pod's first container */
  container?: string;
  /** image repository; a release of version v runs `<image>:<v>` */
  image: string;
  /** bluegreen: replicas of a colour; default those of the live colour, else 1 */
  replicas?: number;
  /** time limit of one rollout; default 5 min */
  timeoutMs: number;
  /** a client instead of connecting (tests hand in one aimed at a local API server) */
  client?: KubeClient;
}

/** The pods of one revision and whether that revision is the one the workload rolls to. */
export interface RevisionPods {
  pods: V1Pod[];
  current: boolean;
  /** the rollout of this revision exceeded its progress deadline */
  progressDeadlineExceeded: boolean;
}

/** One strategy (rolling, bluegreen) bound to one namespace. */
export interface Workload {
  describe(): Promise<{ releases: LiveRelease[]; healthy: boolean }>;
  start(release: Release, call: DriverCallOptions): Promise<string>;
  shiftTraffic(weights: Weights, call: DriverCallOptions): Promise<string>;
  retire(release: Release, call: DriverCallOptions): Promise<string>;
  undo?(to: Release, call: DriverCallOptions): Promise<string>;
  nextRevision?(): Promise<number | null>;
  history(): Promise<PlatformRevision[]>;
  /** the pods of a revision (found by revision, else by the version's image), or null when none runs it */
  podsOf(revision: number, version: string): Promise<RevisionPods | null>;
  /** sets an environment variable of the container on the running release and rolls it */
  setEnv(name: string, value: string, call: DriverCallOptions): Promise<string>;
}

export const imageFor = (options: KubernetesDriverOptions, release: Pick<Release, 'artifact' | 'version'>): string =>
  release.artifact && release.artifact.includes(':') ? release.artifact : `${options.image}:${release.version}`;
