/**
 * The monitor run by `rewind serve`: it watches every release
 * under analysis (deploy's Analyzer), the live release during `rollbackWindow`
 * after promotion, and the restored release during a rollback's `watch` step
 * with tightened thresholds. It also enforces approval deadlines and prunes old
 * per-second samples (`controller.signalRetention`).
 */
import type { ServiceConfig } from '../../config/schema/index.js';
import { parseDuration } from '../../core/duration.js';
import type { Release, RollbackDetail } from '../../core/model.js';
import type { AppContext } from '../context.js';
import { serviceConfig } from '../context.js';
import type { Analyzer } from '../deploy.js';
import { expireApprovals } from '../approvals/index.js';
import { runPlanned } from '../undo.js';
import { watchRelease } from './watch.js';
import { holdStepHandler } from './hold-step.js';
import { markUnderAnalysis } from './under-analysis.js';
import { watchForSuperseding } from './superseding.js';

/**
 * How long a release left waiting for a human (escalated, or an approval still
 * open when its analysis ended) stays watched: until someone acts, within reason.
 */
const HOLD_MS = 24 * 60 * 60_000;

/**
 * Whether analysing a release of this service takes time: canary steps pause,
 * and otherwise there must be something to judge by (a trigger or a smoke
 * test) and an `analysis.duration` above zero.
 */
export function analysisWaits(config: ServiceConfig): boolean {
  if (config.strategy === 'canary' && config.canary.steps.length > 1) return true;
  return parseDuration(config.analysis.duration) > 0 && (config.triggers.length > 0 || config.smoke.length > 0);
}

export interface Monitor {
  analyze: Analyzer & { waits(service: string): boolean };
  /** starts live watching, deadlines and retention; returns the stop function */
  start(track?: (work: Promise<unknown>) => void): Promise<() => Promise<void>>;
}

const monitors = new WeakMap<AppContext, Monitor>();

/** The one monitor of a context (the analyzer and the background service share it). */
export function monitorFor(ctx: AppContext): Monitor {
  let monitor = monitors.get(ctx);
  if (!monitor) monitors.set(ctx, (monitor = createMonitor(ctx)));
  return monitor;
}

function createMonitor(ctx: AppContext): Monitor {
  const stop = new AbortController();
  const background = new Set<Promise<unknown>>();
  const live = new Map<string, AbortController>();
  const firstTraffic = new Map<string, number>();
  const keep = (work: Promise<unknown>) => {
    background.add(work);
    void work.catch(() => undefined).finally(() => background.delete(work));
  };

  // the post-rollback watch: the monitor's triggers, thresholds tightened (runbook: watch the restored release closely)
  ctx.extraHandlers.push(() => ({
    async watch(step, { rollback, signal }) {
      const release = await ctx.store.getRelease(rollback.service, rollback.environment, rollback.toRevision);
      if (!release) throw new Error(`revision ${rollback.toRevision} of ${rollback.service} not found`);
      const { tighten } = serviceConfig(ctx, rollback.service).postRollback;
      const durationMs = Number(step.params.durationMs);
      // a fix deployed meanwhile ends the watch: the rollback is then superseded, not failed
      const fix = watchForSuperseding(ctx, release, ctx.clock.now(), durationMs, signal);
      try {
        const until = AbortSignal.any([signal, fix.signal]);
        await watchRelease(ctx, {
          release,
          previous: null,
          phase: 'post-rollback',
          durationMs,
          tighten,
          signal: until,
        });
      } finally {
        fix.stop();
      }
      if (signal.aborted) throw new Error('watch interrupted');
      const superseded = fix.reason();
      if (superseded) return { skipped: superseded, superseded: true };
      return `stable for ${Math.round(durationMs / 1000)}s with thresholds × ${tighten}`;
    },
    hold: holdStepHandler(ctx),
  }));

  const watchLive = (release: Release, previous: Release | null, durationMs: number) => {
    const key = `${release.service}/${release.environment}`;
    live.get(key)?.abort();
    const own = new AbortController();
    live.set(key, own);
    keep(
      watchRelease(ctx, {
        release,
        previous,
        phase: 'live',
        durationMs,
        signal: AbortSignal.any([own.signal, stop.signal]),
        rollbackSignal: stop.signal,
        track: keep,
      }).finally(() => {
        if (live.get(key) === own) live.delete(key);
      }),
    );
  };

  const previousOf = async (release: Release): Promise<Release | null> =>
    (await ctx.store.listReleases(release.service, release.environment, 1000)).find(
      (r) => r.revision < release.revision && r.status === 'superseded' && r.promotedAt !== null,
    ) ?? null;

  const analyze: Analyzer = async (release, previous, phase) => {
    const since = firstTraffic.get(release.id) ?? ctx.clock.now();
    const first = !firstTraffic.has(release.id);
    firstTraffic.set(release.id, since);
    const config = serviceConfig(ctx, release.service);
    const canaryStep =
      config.strategy === 'canary' && phase.weight < 100 && previous !== null && config.canary.judge?.enabled !== false;
    // nothing to judge the release by (no trigger, smoke test or canary judge): waiting would only delay
    if (config.triggers.length === 0 && (config.smoke.length === 0 || !first) && !canaryStep) {
      if (phase.final) firstTraffic.delete(release.id);
      return { outcome: 'pass', rollbackId: null, reason: null };
    }
    const done = markUnderAnalysis(ctx, release.id);
    try {
      const verdict = await watchRelease(ctx, {
        release,
        previous,
        phase: 'analysis',
        durationMs: phase.durationMs,
        smoke: first,
        ...(canaryStep ? { judge: { since } } : {}),
        signal: stop.signal,
        rollbackSignal: stop.signal,
        track: keep,
      });
      // waiting for a human: the release keeps serving, so it stays watched
      if (verdict.outcome === 'waiting' && !stop.signal.aborted) watchLive(release, previous, HOLD_MS);
      return verdict;
    } finally {
      done();
      if (phase.final) firstTraffic.delete(release.id);
    }
  };

  return {
    analyze: Object.assign(analyze, { waits: (service: string) => analysisWaits(serviceConfig(ctx, service)) }),
    async start(track) {
      const run = async (id: string): Promise<RollbackDetail> => {
        const work = runPlanned(ctx, id, stop.signal);
        keep(work);
        track?.(work);
        return (await ctx.store.getRollback(id)) as RollbackDetail;
      };
      const unsubscribe = ctx.onEvent((event) => {
        if (!event.service || !event.environment) return;
        const key = `${event.service}/${event.environment}`;
        if (event.type === 'deploy.started' || (event.type === 'rollback.initiated' && event.actor !== 'rewind'))
          live.get(key)?.abort();
        if (event.type === 'deploy.promoted' && event.revision !== null) {
          void (async () => {
            const release = await ctx.store.getRelease(
              event.service as string,
              event.environment as string,
              event.revision as number,
            );
            if (!release) return;
            watchLive(
              release,
              await previousOf(release),
              parseDuration(serviceConfig(ctx, release.service).rollbackWindow),
            );
          })().catch(() => undefined);
        }
      });
      // after a restart: keep watching releases still inside their rollback window
      const now = ctx.clock.now();
      for (const release of await ctx.store.releasesWithStatus(['live'])) {
        const config = ctx.loaded.config.services[release.service];
        if (!config || release.promotedAt === null) continue;
        const left = release.promotedAt + parseDuration(config.rollbackWindow) - now;
        if (left > 0) watchLive(release, await previousOf(release), left);
      }
      // a release still analyzing had its analysis cut short or waits for a human (an escalation):
      // it keeps serving, so it is watched again and a later trigger still decides
      for (const release of await ctx.store.releasesWithStatus(['analyzing'])) {
        if (!ctx.loaded.config.services[release.service]) continue;
        const releases = await ctx.store.listReleases(release.service, release.environment, 1000);
        watchLive(release, releases.find((r) => r.revision < release.revision && r.status === 'live') ?? null, HOLD_MS);
      }
      const interval = Math.min(1000, Math.max(50, parseDuration(ctx.loaded.config.controller.evaluationInterval)));
      const retentionMs = parseDuration(ctx.loaded.config.controller.signalRetention);
      let lastPrune = 0;
      keep(
        (async () => {
          while (!stop.signal.aborted) {
            await expireApprovals(ctx, run).catch(() => undefined);
            if (ctx.clock.now() - lastPrune > 60_000) {
              lastPrune = ctx.clock.now();
              await ctx.store.pruneSamples(lastPrune - retentionMs).catch(() => undefined);
            }
            await ctx.clock.sleep(interval, stop.signal).catch(() => undefined);
          }
        })(),
      );
      return async () => {
        unsubscribe();
        stop.abort(new Error('controller shutting down'));
        await Promise.race([
          Promise.allSettled([...background]),
          new Promise((resolve) => setTimeout(resolve, 5000).unref()),
        ]);
      };
    },
  };
}
