/**
 * Where each watched metric is read from: the driver's own
 * source first, then config providers; a trigger's `source` picks a provider by
 * name. Two derived signals are built here: `throughputRatio` (the release's
 * requestRate over the previous release's, same source, same window) and
 * `dbConnectionsPercent` (from the service's PostgreSQL database).
 */
import type { Release } from '../../core/model.js';
import type { SignalQuery, SignalReading, SignalSource } from '../../core/ports/signal-source.js';
import type { AppContext } from '../context.js';
import { serviceConfig } from '../context.js';

export const serves = (source: SignalSource, metric: string): boolean =>
  source.metrics.includes(metric) || source.metrics.includes('*');

/** The first source serving `metric` (by provider name when `name` is given), or null. */
export function pickSource(sources: SignalSource[], metric: string, name?: string): SignalSource | null {
  const named = name === undefined ? sources : sources.filter((s) => s.name === name);
  return named.find((s) => s.metrics.includes(metric)) ?? named.find((s) => serves(s, metric)) ?? null;
}

export interface WatchedSources {
  /** reads `metric` for a release; never throws (no source → inconclusive) */
  read(
    metric: string,
    release: Release,
    at: number,
    windowMs: number,
    sourceName?: string,
    signal?: AbortSignal,
  ): Promise<SignalReading>;
  /**
   * Per-request counts since `since` for sequential evidence: the error rate, or
   * the fraction of requests slower than `exceeding` ms; inconclusive when no
   * source counts every request
   */
  readCumulative(
    metric: string,
    release: Release,
    since: number,
    at: number,
    exceeding: number | undefined,
    signal?: AbortSignal,
  ): Promise<SignalReading>;
  close(): Promise<void>;
}

/** Sources of one (service, environment) as the monitor sees them. */
export function watchedSources(
  ctx: AppContext,
  service: string,
  environment: string,
  previous: Release | null,
): WatchedSources {
  const sources = ctx.signalSources(service, environment);
  const config = serviceConfig(ctx, service);
  const database = config.database ? ctx.loaded.config.databases[config.database] : undefined;
  const db = database ? ctx.adapters.dbConnections(config.database as string) : null;

  const query = (metric: string, release: Release, at: number, windowMs: number): SignalQuery => ({
    service,
    environment,
    revision: release.revision,
    version: release.version,
    metric,
    at,
    windowMs,
  });
  const readFrom = async (source: SignalSource, q: SignalQuery, signal?: AbortSignal): Promise<SignalReading> => {
    try {
      return await source.read(q, signal);
    } catch (error) {
      // a source that throws is treated like one that cannot answer: inconclusive, not healthy
      return { status: 'inconclusive', error: ctx.redact(`${source.name}: ${(error as Error).message}`) };
    }
  };

  return {
    async read(metric, release, at, windowMs, sourceName, signal) {
      const own = pickSource(sources, metric, sourceName);
      if (own) return readFrom(own, query(metric, release, at, windowMs), signal);
      if (metric === 'throughputRatio') {
        const rateSource = pickSource(sources, 'requestRate', sourceName);
        if (!rateSource)
          return { status: 'inconclusive', error: 'no source measures requestRate, which throughputRatio needs' };
        if (!previous) return { status: 'no-data', samples: 0 };
        const [mine, theirs] = await Promise.all([
          readFrom(rateSource, query('requestRate', release, at, windowMs), signal),
          readFrom(rateSource, query('requestRate', previous, at, windowMs), signal),
        ]);
        if (mine.status === 'inconclusive') return mine;
        if (theirs.status === 'inconclusive') return theirs;
        if (mine.status !== 'ok' || theirs.status !== 'ok' || theirs.value <= 0)
          return { status: 'no-data', samples: 0 };
        return { status: 'ok', value: mine.value / theirs.value, samples: Math.min(mine.samples, theirs.samples) };
      }
      if (metric === 'dbConnectionsPercent') {
        if (!db)
          return {
            status: 'inconclusive',
            error: `service ${service} has no \`database\`, which dbConnectionsPercent needs`,
          };
        return readFrom(db, query(metric, release, at, windowMs), signal);
      }
      return {
        status: 'inconclusive',
        error: `no source measures ${metric}${sourceName ? ` in provider ${sourceName}` : ''}`,
      };
    },
    async readCumulative(metric, release, since, at, exceeding, signal) {
      const own = pickSource(sources, metric);
      if (!own?.perRequest) {
        return {
          status: 'inconclusive',
          error: `sequential evidence needs per-request counts of ${metric}; ${own ? `source ${own.name} has none` : 'no source measures it'}`,
        };
      }
      const q = { ...query(metric, release, at, Math.max(1, at - since)), cumulative: true };
      return readFrom(own, exceeding === undefined ? q : { ...q, exceeding }, signal);
    },
    async close() {
      await db?.close();
    },
  };
}
