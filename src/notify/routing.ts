import type { RewindEvent } from '../core/model.js';

/**
 * One routing rule: which events go to which channels. Patterns are
 * glob-ish: `*` matches any run of characters (dots included), everything else
 * matches itself, case-sensitively. `rollback.*` matches every rollback event;
 * `*` matches everything.
 */
export interface NotificationRoute {
  /** event type patterns, e.g. ["rollback.*", "deploy.failed"] */
  events: string[];
  /** environment patterns; default any environment (events without one included) */
  environments?: string[];
  /** service patterns; default any service (events without one included) */
  services?: string[];
  /** channel (notifier) names to deliver to */
  channels: string[];
}

const compiled = new Map<string, RegExp>();

/** Whether `value` matches the glob-ish `pattern`. */
export function matchesPattern(pattern: string, value: string): boolean {
  let regex = compiled.get(pattern);
  if (!regex) {
    const source = pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*');
    regex = new RegExp(`^${source}$`);
    compiled.set(pattern, regex);
  }
  return regex.test(value);
}

function matchesAny(patterns: readonly string[] | undefined, value: string | null): boolean {
  if (!patterns || patterns.length === 0) return true;
  // a filtered route never matches an event that has no service/environment
  if (value === null) return false;
  return patterns.some((pattern) => matchesPattern(pattern, value));
}

/**
 * The channel names an event goes to: the union of the channels of every matching
 * route, in route order, without duplicates, restricted to the channels that
 * exist (`channels`: the configured notifier names). Config validation reports
 * routes naming unknown channels; here they are simply skipped so one typo
 * cannot stop the other notifications.
 */
export function routeEvent(
  event: Pick<RewindEvent, 'type' | 'service' | 'environment'>,
  routes: readonly NotificationRoute[],
  channels: Iterable<string>,
): string[] {
  const known = new Set(channels);
  const out: string[] = [];
  for (const route of routes) {
    if (!route.events.some((pattern) => matchesPattern(pattern, event.type))) continue;
    if (!matchesAny(route.environments, event.environment)) continue;
    if (!matchesAny(route.services, event.service)) continue;
    for (const channel of route.channels) {
      if (known.has(channel) && !out.includes(channel)) out.push(channel);
    }
  }
  return out;
}

/** Channel names the routes mention that no notifier provides, for config warnings. */
export function unknownChannels(routes: readonly NotificationRoute[], channels: Iterable<string>): string[] {
  const known = new Set(channels);
  return [...new Set(routes.flatMap((route) => route.channels))].filter((channel) => !known.has(channel));
}
