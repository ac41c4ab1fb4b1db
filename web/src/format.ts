/** How times and durations read on the dashboard. */
export function ago(at: number | null, now = Date.now()): string {
  if (!at) return '—';
  return `${duration(Math.max(0, now - at))} ago`;
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** "4:59 left" until a deadline, "overdue" after it. */
export function countdown(deadline: number, now = Date.now()): string {
  const left = Math.round((deadline - now) / 1000);
  if (left <= 0) return 'deadline passed';
  const m = Math.floor(left / 60);
  return `${m}:${String(left % 60).padStart(2, '0')} left`;
}

export const time = (at: number | null): string =>
  at ? new Date(at).toISOString().replace('T', ' ').slice(0, 19) : '—';

export const weights = (w: Record<string, number>): string =>
  Object.entries(w)
    .map(([rev, pct]) => `r${rev} ${pct}%`)
    .join(' · ') || 'no traffic';
