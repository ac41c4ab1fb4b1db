/**
 * The controller's own look at every live release, every couple of seconds:
 * a live release that serves nobody, or one kept on the readiness check it was
 * made ready under while the config asks for another, becomes an event (and so
 * a notification, through the routes) the moment it is seen — after a controller
 * start too, where nothing else would say it. A release that serves nobody is
 * reported once it has lasted `graceMs` (a release starting up is not an alarm).
 */
import { errorMessage } from '../../core/errors.js';
import type { Release } from '../../core/model.js';
import type { AppContext } from '../context.js';
import { environmentsOf } from '../environments.js';
import { servingItems } from './serving-attention.js';
import { stoppedState } from './service-stopped.js';

export interface ServingWatchOptions {
  /** how often to look; default 2000 */
  everyMs?: number;
  /** how long a release must serve nobody before it is reported; default 5000 */
  graceMs?: number;
}

/** What one round needs of every service, read in two queries: the current release and the rollbacks under way. */
interface Around {
  current: Map<string, Release>;
  rollingBack: Set<string>;
}

const targetKey = (service: string, environment: string) => `${service}\u0000${environment}`;

async function around(ctx: AppContext): Promise<Around> {
  const current = new Map<string, Release>();
  for (const release of await ctx.store.releasesWithStatus(['live', 'analyzing'])) {
    const key = targetKey(release.service, release.environment);
    const seen = current.get(key);
    // the newest revision that serves, as `currentRelease` picks it
    if (!seen || release.revision > seen.revision) current.set(key, release);
  }
  const active = await ctx.store.listRollbacks({ status: ['planned', 'running'], limit: 100_000 });
  return { current, rollingBack: new Set(active.map((r) => targetKey(r.service, r.environment))) };
}

export function startServingWatch(ctx: AppContext, options: ServingWatchOptions = {}): () => Promise<void> {
  const everyMs = options.everyMs ?? 2000;
  const graceMs = options.graceMs ?? 5000;
  /** key → when first seen; reported once per episode */
  const seen = new Map<string, { since: number; reported: boolean }>();
  const stop = new AbortController();

  const look = async (service: string, environment: string, now: Around, present: Set<string>) => {
    const current = now.current.get(targetKey(service, environment)) ?? null;
    if (!current) return;
    const rollingBack = now.rollingBack.has(targetKey(service, environment));
    const live = await ctx.driver(service).describe(service, environment);
    const items = servingItems(ctx, { service, environment, current, live, stopped: null, rollingBack });
    // a service stopped on purpose is not an alarm: asked only when there is something to say
    if (!items.some((item) => item.event) || (await stoppedState(ctx, service, environment))) return;
    for (const item of items) {
      if (!item.event) continue;
      const key = `${service}\u0000${environment}\u0000${item.kind}\u0000${item.reason}`;
      present.add(key);
      const entry = seen.get(key) ?? { since: ctx.clock.now(), reported: false };
      seen.set(key, entry);
      const due = item.kind === 'not-serving' ? entry.since + graceMs : entry.since;
      if (entry.reported || ctx.clock.now() < due) continue;
      entry.reported = true;
      await ctx.emit({
        type: item.event,
        service,
        environment,
        revision: current.revision,
        message: `${item.reason} — run: ${item.suggested}`,
        data: { kind: item.kind, reason: item.reason, suggested: item.suggested },
      });
    }
  };

  const round = async () => {
    const present = new Set<string>();
    const now = await around(ctx).catch((error: unknown) => {
      process.stderr.write(`serving watch: ${errorMessage(error)}\n`);
      return null;
    });
    if (!now) return;
    for (const service of Object.keys(ctx.loaded.config.services)) {
      for (const environment of environmentsOf(ctx, service)) {
        if (stop.signal.aborted) return;
        // timers (the lease's renewal, the watch loops) run between two services, even on a store that blocks
        await new Promise((resolve) => setImmediate(resolve));
        await look(service, environment, now, present).catch((error: unknown) => {
          process.stderr.write(`serving watch: ${service} in ${environment}: ${errorMessage(error)}\n`);
        });
      }
    }
    // an item gone is an episode ended: it is reported again if it comes back
    for (const key of [...seen.keys()]) if (!present.has(key)) seen.delete(key);
  };

  const loop = (async () => {
    // the term starts without waiting for this look: the first one comes a moment later
    while (!stop.signal.aborted) {
      await ctx.clock.sleep(everyMs, stop.signal).catch(() => undefined);
      if (!stop.signal.aborted) await round();
    }
  })();
  return async () => {
    stop.abort();
    await loop;
  };
}
