import { holdLeaseForCli } from '../app/lease.js';
import type { AppContext } from '../app/context.js';

/**
 * The controller lease for a CLI that acts in-process, taken once, at the first
 * call that changes state, and given back when the context closes. A controller
 * that holds it (running, but slow to answer) makes the call fail with nothing
 * changed: work never runs beside a controller.
 */
export function cliLease(ctx: AppContext, url: string): () => Promise<void> {
  let leased: Promise<void> | null = null;
  return () => {
    leased ??= holdLeaseForCli(ctx, url).then((release) => {
      ctx.cleanup.push(release);
    });
    return leased;
  };
}

type Method = (...args: unknown[]) => Promise<unknown>;

/** `api` with each of `writes` waiting for `lease` first; the reads stay as they are. */
export function leasedWrites<T extends object>(api: T, writes: readonly (keyof T)[], lease: () => Promise<void>): T {
  const out: T = { ...api };
  for (const name of writes) {
    const call = api[name] as unknown as Method;
    (out as Record<keyof T, unknown>)[name] = async (...args: unknown[]) => {
      await lease();
      return call(...args);
    };
  }
  return out;
}
