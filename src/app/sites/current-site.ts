import type { AppContext } from '../context.js';
import { holds } from './step-handlers.js';

/**
 * The site the zones point at now, read from the authoritative servers (the
 * state that matters, not what Rewind last did): the first site whose every
 * record is answered as it declares it; null when none matches (mid-change, or
 * changed by hand).
 */
export async function currentSite(ctx: AppContext, signal?: AbortSignal): Promise<string | null> {
  // planning must not hang on a server that does not answer: the plan's own steps wait longer
  const bounded = signal ? AbortSignal.any([signal, AbortSignal.timeout(5_000)]) : AbortSignal.timeout(5_000);
  for (const [name, site] of Object.entries(ctx.loaded.config.sites)) {
    let all = true;
    for (const record of site.records) {
      const answer = await ctx.adapters
        .dns(record.dns)
        .lookup(record.name, record.type, { signal: bounded })
        .catch(() => null);
      if (!answer || !holds(answer, record)) {
        all = false;
        break;
      }
    }
    if (all) return name;
  }
  return null;
}
