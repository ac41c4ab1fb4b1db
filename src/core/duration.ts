/**
 * Durations in config are strings with units: `500ms`, `5s`, `5m`, `1h`, `1d`
 *. Compound forms such as `1m30s` are accepted too.
 */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;
export const DURATION_PATTERN = '^(\\d+(\\.\\d+)?(ms|s|m|h|d))+$';
const WHOLE = new RegExp(DURATION_PATTERN);

export function isDuration(value: unknown): value is string {
  return typeof value === 'string' && WHOLE.test(value.trim());
}

/** Milliseconds of a duration string; throws on anything else. */
export function parseDuration(value: string): number {
  const text = value.trim();
  if (!WHOLE.test(text)) throw new Error(`expected a duration like "5s", got ${JSON.stringify(value)}`);
  let total = 0;
  for (const match of text.matchAll(PART)) {
    total += Number(match[1]) * (UNIT_MS[match[2] as string] ?? 0);
  }
  return Math.round(total);
}

/** A short human form: 850ms, 4.2s, 3m 5s, 1h 2m. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`;
  const totalSeconds = Math.round(ms / 1000);
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  return h > 0 ? `${h}h ${m}m` : `${m}m ${s}s`;
}
