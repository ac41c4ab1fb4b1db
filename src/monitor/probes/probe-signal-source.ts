/**
 * The probes' SignalSource: healthCheckFailures, restarts, ready,
 * cpuPercent and memoryMB of a release's local instances. Probe values are
 * gauges read now; the query window only matters for CPU, which is a rate.
 * The owner of the instances (the local driver) is reached through a lookup so
 * this adapter never imports another adapter folder (DESIGN.md one-way rule).
 */
import type { Clock } from '../../core/clock.js';
import { systemClock } from '../../core/clock.js';
import { errorMessage } from '../../core/errors.js';
import type { SignalQuery, SignalReading, SignalSource } from '../../core/ports/signal-source.js';
import type { ProcSample } from './proc-stats.js';
import { cpuPercentBetween, procAvailable, sampleGroups } from './proc-stats.js';

/** What the lookup reports of one instance. */
export interface ProbedInstanceLike {
  /** process (group leader) id; null while it is being restarted */
  pid: number | null;
  ready: boolean;
  consecutiveFailures: number;
}

/** What the lookup reports of one release. */
export interface ProbedReleaseLike {
  instances: readonly ProbedInstanceLike[];
  /** restarts of crashed instances since the release started */
  restarts: number;
}

export interface ProbeSignalSourceOptions {
  /** the instances of a release, or undefined when it is not running here */
  lookup(service: string, environment: string, revision: number): ProbedReleaseLike | undefined;
  /** how long to wait between the two CPU samples when there is no earlier one; default 250 */
  cpuSampleMs?: number;
  /** default `probes` */
  name?: string;
  clock?: Clock;
}

export const PROBE_METRICS = ['healthCheckFailures', 'restarts', 'ready', 'cpuPercent', 'memoryMB'] as const;

export function createProbeSignalSource(options: ProbeSignalSourceOptions): SignalSource {
  const clock = options.clock ?? systemClock;
  const cpuSampleMs = options.cpuSampleMs ?? 250;
  // The previous CPU sample per release: a rate needs two points.
  const lastCpu = new Map<string, { at: number; sample: ProcSample; leaders: string }>();

  async function cpuPercent(key: string, leaders: number[], signal?: AbortSignal): Promise<number> {
    const leadersKey = leaders.join(',');
    let previous = lastCpu.get(key);
    if (!previous || previous.leaders !== leadersKey) {
      previous = { at: clock.now(), sample: sampleGroups(leaders), leaders: leadersKey };
      await clock.sleep(cpuSampleMs, signal);
    }
    const now = { at: clock.now(), sample: sampleGroups(leaders), leaders: leadersKey };
    lastCpu.set(key, now);
    return cpuPercentBetween(previous.sample, now.sample, now.at - previous.at);
  }

  async function read(query: SignalQuery, signal?: AbortSignal): Promise<SignalReading> {
    const release = options.lookup(query.service, query.environment, query.revision);
    if (!release) return { status: 'no-data', samples: 0 };
    const instances = release.instances;
    const samples = instances.length;
    switch (query.metric) {
      case 'healthCheckFailures':
        return { status: 'ok', value: Math.max(0, ...instances.map((i) => i.consecutiveFailures)), samples };
      case 'restarts':
        return { status: 'ok', value: release.restarts, samples };
      case 'ready':
        return { status: 'ok', value: instances.filter((i) => i.ready).length, samples };
      case 'cpuPercent':
      case 'memoryMB': {
        if (!procAvailable()) return { status: 'inconclusive', error: '/proc is not available on this platform' };
        const leaders = instances.flatMap((i) => (i.pid === null ? [] : [i.pid]));
        if (leaders.length === 0) return { status: 'no-data', samples: 0 };
        if (query.metric === 'memoryMB') {
          return { status: 'ok', value: sampleGroups(leaders).rssBytes / (1024 * 1024), samples: leaders.length };
        }
        const key = `${query.service}/${query.environment}/${query.revision}`;
        return { status: 'ok', value: await cpuPercent(key, leaders, signal), samples: leaders.length };
      }
      default:
        return { status: 'inconclusive', error: `the probes source has no metric ${JSON.stringify(query.metric)}` };
    }
  }

  return {
    name: options.name ?? 'probes',
    metrics: PROBE_METRICS,
    async read(query, signal) {
      try {
        return await read(query, signal);
      } catch (error) {
        return { status: 'inconclusive', error: errorMessage(error) };
      }
    },
  };
}
