/**
 * Live/ready probing of one instance, the way an SRE reads
 * "3+ consecutive health check failures → roll back": every `intervalMs` both
 * paths are checked; an instance is ready after one ready success and stops being
 * ready after `failureThreshold` consecutive ready failures. Failures are counted
 * only once the process has answered a first probe, so a slow start is not
 * mistaken for a failing release (a startup phase, like Kubernetes' startupProbe).
 */
import type { Clock } from '../../core/clock.js';
import { systemClock } from '../../core/clock.js';
import { httpCheck } from './http-check.js';

export interface HealthProbeOptions {
  host: string;
  port: number;
  /** liveness path; default `/health/live`; null disables it */
  livePath?: string | null;
  /** readiness path; default `/health/ready`; null means ready once live */
  readyPath?: string | null;
  /** between rounds; default 1000 */
  intervalMs?: number;
  /** per check; default 1000 */
  timeoutMs?: number;
  /** consecutive failures that make a check fail; default 3 */
  failureThreshold?: number;
  /** default the system clock */
  clock?: Clock;
}

export interface HealthProbeState {
  /** passed a ready check and has not failed `failureThreshold` since */
  ready: boolean;
  /** fewer than `failureThreshold` consecutive live failures */
  live: boolean;
  /** the larger of the consecutive live and ready failures: the healthCheckFailures signal */
  consecutiveFailures: number;
  liveFailures: number;
  readyFailures: number;
  /** answered at least one check: out of the startup phase */
  started: boolean;
  /** completed probe rounds */
  rounds: number;
  lastError: string | null;
  lastProbeAt: number | null;
}

export interface HealthProbe {
  state(): HealthProbeState;
  /** resolves after the next completed round */
  nextRound(): Promise<HealthProbeState>;
  stop(): void;
}

export function createHealthProbe(options: HealthProbeOptions): HealthProbe {
  const clock = options.clock ?? systemClock;
  const livePath = options.livePath === undefined ? '/health/live' : options.livePath;
  const readyPath = options.readyPath === undefined ? '/health/ready' : options.readyPath;
  const intervalMs = options.intervalMs ?? 1000;
  const timeoutMs = options.timeoutMs ?? 1000;
  const threshold = Math.max(1, options.failureThreshold ?? 3);
  const abort = new AbortController();
  const waiters: ((state: HealthProbeState) => void)[] = [];
  const state: HealthProbeState = {
    ready: false,
    live: true,
    consecutiveFailures: 0,
    liveFailures: 0,
    readyFailures: 0,
    started: false,
    rounds: 0,
    lastError: null,
    lastProbeAt: null,
  };

  const check = (path: string | null) =>
    path === null ? Promise.resolve(null) : httpCheck(options.host, options.port, path, timeoutMs);

  async function round(): Promise<void> {
    const [live, ready] = await Promise.all([check(livePath), check(readyPath)]);
    if (abort.signal.aborted) return;
    const liveOk = live === null ? (ready?.ok ?? true) : live.ok;
    const readyOk = ready === null ? liveOk : ready.ok;
    // Any HTTP answer at all means the process is listening: the startup phase ends.
    if ((live && live.status !== undefined) || (ready && ready.status !== undefined)) state.started = true;
    if (state.started) {
      state.liveFailures = liveOk ? 0 : state.liveFailures + 1;
      state.readyFailures = readyOk ? 0 : state.readyFailures + 1;
    }
    if (readyOk) state.ready = true;
    else if (state.readyFailures >= threshold || !state.started) state.ready = false;
    state.live = state.liveFailures < threshold;
    state.consecutiveFailures = Math.max(state.liveFailures, state.readyFailures);
    state.lastError = (!liveOk ? live?.error : undefined) ?? (!readyOk ? ready?.error : undefined) ?? null;
    state.lastProbeAt = clock.now();
    state.rounds += 1;
    for (const resolve of waiters.splice(0)) resolve({ ...state });
  }

  void (async () => {
    while (!abort.signal.aborted) {
      await round();
      try {
        await clock.sleep(intervalMs, abort.signal);
      } catch {
        return;
      }
    }
  })();

  return {
    state: () => ({ ...state }),
    nextRound: () =>
      abort.signal.aborted ? Promise.resolve({ ...state }) : new Promise((resolve) => waiters.push(resolve)),
    stop() {
      abort.abort();
      for (const resolve of waiters.splice(0)) resolve({ ...state });
    },
  };
}
