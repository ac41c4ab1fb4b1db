/** The shapes of one release's instances as the local driver sees them (see release-group.ts). */
import type { Upstream } from '../../proxy/types.js';
import type { InstanceSpec, SupervisedInstance } from './instance.js';
import type { InstanceProbeOptionsLike } from './options.js';
import type { RunRecord } from './run-file.js';

export interface ReleaseGroupSpec {
  stateDir: string;
  service: string;
  environment: string;
  revision: number;
  version: string;
  /** the git commit it runs, null without git releases */
  commit: string | null;
  desired: number;
  argv: string[];
  cwd: string;
  /** environment without the port variable */
  env: NodeJS.ProcessEnv;
  portEnv: string;
  /** the ports instances get; default any free port */
  ports?: { from: number; to: number };
  host: string;
  stopTimeoutMs: number;
  backoff: InstanceSpec['backoff'];
  probe: Omit<InstanceProbeOptionsLike, 'host' | 'port' | 'clock'>;
}

export interface InstanceView {
  index: number;
  pid: number | null;
  port: number;
  ready: boolean;
  live: boolean;
  consecutiveFailures: number;
  lastError: string | null;
  restarts: number;
  /** how the last process ended (`code 127`, `SIGKILL`), null while none has */
  lastExit: string | null;
  /** how many times in a row a process ended that same way */
  repeatedExits: number;
  /** answered its ready check at least once since it was started */
  everReady: boolean;
  logPath: string;
}

export interface ReleaseGroup {
  readonly spec: ReleaseGroupSpec;
  /** adopts usable survivors listed in `previous`, kills the rest, spawns what is missing */
  start(previous: RunRecord | undefined): Promise<{ adopted: number; spawned: number; discarded: number }>;
  stop(): Promise<{ killed: number }>;
  /** the checks new processes of this release must pass from now on (recorded in the run file) */
  useRules(rules: ReleaseGroupSpec['probe']): void;
  /** stop probes and supervision, leave processes running */
  detach(): void;
  /**
   * One step of a rolling restart: a second process for instance `index` with
   * `env` added on a fresh port, resolved once it answers its ready check (or
   * stopped, and the old one left serving, when it does not in `readyTimeoutMs`).
   */
  spawnReplacement(
    index: number,
    env: Record<string, string>,
    readyTimeoutMs: number,
    signal?: AbortSignal,
  ): Promise<Replacement>;
  /** stops a process that `swapIn` took out of the pool (SIGTERM: it finishes its in-flight requests) */
  retireReplaced(old: SupervisedInstance): Promise<void>;
  upstreams(): Upstream[];
  instances(): InstanceView[];
  restarts(): number;
}

export interface Replacement {
  readonly port: number;
  /** puts the new process in the old one's place (upstreams change); returns the old one, still running */
  swapIn(): SupervisedInstance | undefined;
  /** gives up: stops the new process, the old one stays */
  discard(): Promise<void>;
}
