/**
 * Canary and stable samples "over the same seconds": from the
 * per-second signal samples both releases recorded, keep only the seconds
 * where both have a value, so a canary that started later, or a gap in one
 * release's data, does not compare different periods of traffic.
 */
import type { SignalSample } from '../ports/store.js';
import type { CanarySamples } from './score.js';

export interface AlignOptions {
  canaryRevision: number;
  stableRevision: number;
  /** metrics to align; default every metric present in both */
  metrics?: string[];
  /** bounds, inclusive; default everything given */
  from?: number;
  to?: number;
  /** seconds whose sample count is below this are left out on both sides; default 1 */
  minSamplesPerSecond?: number;
}

/** Per-second values of each metric for both releases, paired by second. */
export function alignPerSecond(samples: readonly SignalSample[], options: AlignOptions): CanarySamples {
  const minCount = options.minSamplesPerSecond ?? 1;
  const inRange = (s: SignalSample): boolean =>
    (options.from === undefined || s.at >= options.from) &&
    (options.to === undefined || s.at <= options.to) &&
    s.samples >= minCount;
  const bySecond = (revision: number): Map<string, Map<number, number>> => {
    const out = new Map<string, Map<number, number>>();
    for (const s of samples) {
      if (s.revision !== revision || !inRange(s)) continue;
      const second = Math.floor(s.at / 1000);
      let perMetric = out.get(s.metric);
      if (!perMetric) out.set(s.metric, (perMetric = new Map()));
      perMetric.set(second, s.value);
    }
    return out;
  };
  const canary = bySecond(options.canaryRevision);
  const stable = bySecond(options.stableRevision);
  const metrics = options.metrics ?? [...canary.keys()].filter((m) => stable.has(m));
  const result: CanarySamples = {};
  for (const metric of metrics) {
    const c = canary.get(metric) ?? new Map<number, number>();
    const s = stable.get(metric) ?? new Map<number, number>();
    const seconds = [...c.keys()].filter((second) => s.has(second)).sort((a, b) => a - b);
    result[metric] = { canary: seconds.map((x) => c.get(x) as number), stable: seconds.map((x) => s.get(x) as number) };
  }
  return result;
}
