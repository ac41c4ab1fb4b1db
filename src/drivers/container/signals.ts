/**
 * What the engine says about a release's containers, as signals: restarts (summed),
 * crashLoopBackOff (containers restarted twice or more, or exited), oomKilled,
 * healthCheckFailures and ready from the probes, and cpuPercent, memoryMB and
 * memoryPercent (of the limit) from the stats API. CPU is a rate between this
 * reading and the previous one of the same container.
 */
import { errorMessage } from '../../core/errors.js';
import type { SignalQuery, SignalReading, SignalSource } from '../../core/ports/signal-source.js';
import type { ContainerLike, ContainerStatsLike } from './engine-like.js';
import type { ContainerView } from './release-containers.js';

export const CONTAINER_METRICS = [
  'restarts',
  'crashLoopBackOff',
  'oomKilled',
  'healthCheckFailures',
  'ready',
  'cpuPercent',
  'memoryMB',
  'memoryPercent',
] as const;

/** A container that restarted this often, or stopped on its own, is crash looping. */
export const CRASH_LOOP_RESTARTS = 2;

export const crashLooping = (c: ContainerView): boolean =>
  c.restarts >= CRASH_LOOP_RESTARTS || c.state === 'exited' || c.state === 'stopped' || c.state === 'dead';

export interface ContainerLookup {
  (
    service: string,
    environment: string,
    revision: number,
  ): { views: ContainerView[]; handles: ContainerLike[] } | undefined;
}

export function containerSignalSource(lookup: ContainerLookup): SignalSource {
  const previous = new Map<string, { total: number; system: number }>();

  function cpuPercent(id: string, stats: ContainerStatsLike): number | null {
    const total = stats.cpu_stats.cpu_usage.total_usage;
    const system = stats.cpu_stats.system_cpu_usage ?? 0;
    const before =
      previous.get(id) ??
      (stats.precpu_stats.system_cpu_usage
        ? { total: stats.precpu_stats.cpu_usage.total_usage, system: stats.precpu_stats.system_cpu_usage }
        : undefined);
    previous.set(id, { total, system });
    if (!before || system <= before.system) return null;
    return ((total - before.total) / (system - before.system)) * (stats.cpu_stats.online_cpus ?? 1) * 100;
  }

  async function read(query: SignalQuery): Promise<SignalReading> {
    const found = lookup(query.service, query.environment, query.revision);
    if (!found || found.views.length === 0) return { status: 'no-data', samples: 0 };
    const { views, handles } = found;
    const samples = views.length;
    switch (query.metric) {
      case 'restarts':
        return { status: 'ok', value: views.reduce((sum, c) => sum + c.restarts, 0), samples };
      case 'crashLoopBackOff':
        return { status: 'ok', value: views.filter(crashLooping).length, samples };
      case 'oomKilled':
        return { status: 'ok', value: views.filter((c) => c.oomKilled).length, samples };
      case 'healthCheckFailures':
        return { status: 'ok', value: Math.max(0, ...views.map((c) => c.consecutiveFailures)), samples };
      case 'ready':
        return { status: 'ok', value: views.filter((c) => c.ready).length, samples };
      default: {
        const stats = await Promise.all(handles.map((h) => h.stats({ stream: false }).then((s) => ({ id: h.id, s }))));
        if (query.metric === 'cpuPercent') {
          const values = stats.map(({ id, s }) => cpuPercent(id, s)).filter((v): v is number => v !== null);
          if (values.length === 0) return { status: 'no-data', samples: 0 };
          return { status: 'ok', value: Math.max(...values), samples: values.length };
        }
        const usage = stats.map(({ s }) => s.memory_stats);
        if (query.metric === 'memoryMB')
          return { status: 'ok', value: Math.max(...usage.map((m) => (m.usage ?? 0) / 1048576)), samples };
        const limited = usage.filter((m) => m.limit && m.limit < 2 ** 60 && m.usage !== undefined);
        if (limited.length === 0) return { status: 'no-data', samples: 0 };
        return {
          status: 'ok',
          value: Math.max(...limited.map((m) => ((m.usage ?? 0) / (m.limit ?? 1)) * 100)),
          samples,
        };
      }
    }
  }

  return {
    name: 'container',
    metrics: CONTAINER_METRICS,
    async read(query) {
      if (!(CONTAINER_METRICS as readonly string[]).includes(query.metric))
        return { status: 'inconclusive', error: `the container source has no metric ${JSON.stringify(query.metric)}` };
      try {
        return await read(query);
      } catch (error) {
        return { status: 'inconclusive', error: `container engine: ${errorMessage(error)}` };
      }
    },
  };
}
