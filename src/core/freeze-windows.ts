/**
 * Freeze windows, pure: which freezes cover a moment for one service and
 * environment, and when each ends. Recurring windows are read in their own IANA
 * time zone (a "Friday 18:00 to Monday 08:00" freeze follows the team's clock
 * across daylight-saving changes); one-off windows are ISO times, read in the
 * freeze's time zone when they carry no offset.
 */

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface WeeklyWindow {
  days: Weekday[];
  /** "18:00", in the freeze's time zone */
  from: string;
  /** "08:00"; at or before `from` means the next day */
  to: string;
}

export interface FreezeRule {
  name: string;
  reason: string;
  /** empty: every environment */
  environments: string[];
  /** empty: every service */
  services: string[];
  timezone: string;
  from?: string | undefined;
  to?: string | undefined;
  weekly?: WeeklyWindow[] | undefined;
}

export interface ActiveFreeze {
  name: string;
  reason: string;
  /** epoch ms the window started and ends; null when it ends only by hand */
  startedAt: number | null;
  endsAt: number | null;
  source: 'config' | 'ad-hoc' | 'incident';
  /** an incident freeze: the rollback that holds it */
  rollbackId?: string;
}

const DAY_MS = 86_400_000;

/** The wall-clock fields of `at` in `timeZone`. */
function wallClock(at: number, timeZone: string): { y: number; m: number; d: number; h: number; min: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
  }).formatToParts(new Date(at));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return { y: get('year'), m: get('month'), d: get('day'), h: get('hour') % 24, min: get('minute') };
}

/** Epoch ms of a wall-clock time in `timeZone` (the offset found by two corrections, enough across a DST change). */
export function zonedTime(y: number, m: number, d: number, h: number, min: number, timeZone: string): number {
  const asUtc = Date.UTC(y, m - 1, d, h, min);
  let guess = asUtc;
  for (let i = 0; i < 2; i += 1) {
    const seen = wallClock(guess, timeZone);
    const seenUtc = Date.UTC(seen.y, seen.m - 1, seen.d, seen.h, seen.min);
    guess += asUtc - seenUtc;
  }
  return guess;
}

export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

const OFFSET = /(Z|[+-]\d{2}:?\d{2})$/i;
const LOCAL_ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?)?$/;

/** An ISO time: with an offset as written, without one in `timeZone`; NaN when unreadable. */
export function parseFreezeTime(value: string, timeZone: string): number {
  if (OFFSET.test(value)) return Date.parse(value);
  const match = LOCAL_ISO.exec(value);
  if (!match) return Number.NaN;
  const [, y, m, d, h = '0', min = '0'] = match;
  return zonedTime(Number(y), Number(m), Number(d), Number(h), Number(min), timeZone);
}

const minutesOf = (clock: string): [number, number] => {
  const [h = '0', m = '0'] = clock.split(':');
  return [Number(h), Number(m)];
};

/** The weekly window around `at`, if one covers it: its start and end in epoch ms. */
function weeklyCover(window: WeeklyWindow, at: number, timeZone: string): { start: number; end: number } | null {
  const [fh, fm] = minutesOf(window.from);
  const [th, tm] = minutesOf(window.to);
  const wraps = th * 60 + tm <= fh * 60 + fm;
  // a window that wraps past midnight may have started the day before
  for (const back of [0, 1]) {
    const day = wallClock(at - back * DAY_MS, timeZone);
    const weekday = WEEKDAYS[new Date(Date.UTC(day.y, day.m - 1, day.d)).getUTCDay()] as Weekday;
    if (!window.days.includes(weekday)) continue;
    const start = zonedTime(day.y, day.m, day.d, fh, fm, timeZone);
    // the next calendar day, not 24 hours later: a daylight-saving day has 23 or 25
    const next = new Date(Date.UTC(day.y, day.m - 1, day.d + (wraps ? 1 : 0)));
    const end = zonedTime(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), th, tm, timeZone);
    if (at >= start && at < end) return { start, end };
  }
  return null;
}

const applies = (rule: FreezeRule, service: string, environment: string): boolean =>
  (rule.environments.length === 0 || rule.environments.includes(environment)) &&
  (rule.services.length === 0 || rule.services.includes(service));

/** The configured freezes that cover `at` for this service and environment. */
export function activeConfigFreezes(
  rules: readonly FreezeRule[],
  at: number,
  service: string,
  environment: string,
): ActiveFreeze[] {
  const out: ActiveFreeze[] = [];
  for (const rule of rules) {
    if (!applies(rule, service, environment)) continue;
    if (rule.from !== undefined && rule.to !== undefined) {
      const start = parseFreezeTime(rule.from, rule.timezone);
      const end = parseFreezeTime(rule.to, rule.timezone);
      if (at >= start && at < end)
        out.push({ name: rule.name, reason: rule.reason, startedAt: start, endsAt: end, source: 'config' });
    }
    for (const window of rule.weekly ?? []) {
      const cover = weeklyCover(window, at, rule.timezone);
      if (cover) {
        out.push({ name: rule.name, reason: rule.reason, startedAt: cover.start, endsAt: cover.end, source: 'config' });
        break;
      }
    }
  }
  return out;
}
