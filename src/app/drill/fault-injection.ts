import { fillPlaceholders } from '../../core/placeholders.js';
import type { AppContext } from '../context.js';

/** The faults the bundled sample app (examples/demo/app) knows how to produce. */
export const DRILL_FAULTS = ['error-rate', 'latency', 'crash', 'unhealthy'] as const;
export type DrillFault = (typeof DRILL_FAULTS)[number];

/** Extra environment for the instances of one release about to start. */
type Overlay = Readonly<Record<string, string>>;

const overlays = new WeakMap<object, Map<string, Overlay>>();
const keyOf = (service: string, environment: string): string => `${service}\u0000${environment}`;

/**
 * The environment a drill adds to the release it starts: `FAULT` and
 * `FAULT_AFTER_MS`, which the sample app reads (a wrapper around the same
 * command). Held only while the drill's release is being started,
 * so the live release and later restarts never see it; the local driver keeps
 * the environment of a release for its whole life, including restarts.
 */
export async function withInjectedFault<T>(
  ctx: AppContext,
  service: string,
  environment: string,
  env: Overlay,
  work: () => Promise<T>,
): Promise<T> {
  let byService = overlays.get(ctx.root);
  if (!byService) overlays.set(ctx.root, (byService = new Map()));
  const key = keyOf(service, environment);
  byService.set(key, env);
  try {
    return await work();
  } finally {
    byService.delete(key);
  }
}

/**
 * For the local runtime's service lookup: the service's own environment plus a
 * drill's fault while one is being injected.
 */
export function injectedEnv(
  ctx: AppContext,
  service: string,
  environment: string,
  base: Readonly<Record<string, string>> | undefined,
): Record<string, string> {
  const overlay = overlays.get(ctx.root)?.get(keyOf(service, environment));
  return { ...(base ?? {}), ...(overlay ?? {}) };
}

/** `FAULT`/`FAULT_AFTER_MS` for the sample app. */
export function faultEnv(fault: DrillFault, faultAfterMs: number): Overlay {
  return { FAULT: fault, FAULT_AFTER_MS: String(Math.round(faultAfterMs)) };
}

/** A service's own way to inject the fault (`drills[].hook`), run once the copy is deployed. */
export async function runHook(ctx: AppContext, hook: string[], values: Record<string, string | number>): Promise<void> {
  const argv = hook.map((part) => fillPlaceholders(part, values));
  const result = await ctx.processes.run(argv, {
    cwd: ctx.loaded.baseDir,
    passEnv: ctx.loaded.config.controller.passEnv,
    timeoutMs: 60_000,
  });
  if (result.code !== 0)
    throw new Error(
      `drill hook exited with ${result.code ?? result.signal}: ${ctx.redact(result.stderr.trim().split('\n').at(-1) ?? '')}`,
    );
}
