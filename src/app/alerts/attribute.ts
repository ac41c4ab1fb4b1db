/**
 * Which service, environment and release an alert is about. A mapping of
 * `services.<name>.alerts` claims an alert by its labels; the release blamed is
 * the one serving, when the alert started after it was deployed and within the
 * mapping's window (default: the analysis plus the rollback window). Every
 * answer says why, so the decision can show which release was blamed and on what.
 */
import type { ServiceConfig } from '../../config/schema/index.js';
import { formatDuration, parseDuration } from '../../core/duration.js';
import type { Release } from '../../core/model.js';
import type { IncomingAlert } from '../../core/ports/alerts.js';
import type { Severity } from '../../core/policy/trigger-spec.js';
import type { AppContext } from '../context.js';

type Mapping = ServiceConfig['alerts'][number];

export interface Attribution {
  service: string;
  environment: string;
  trigger: string;
  severity: Severity;
  shadow: boolean;
  /** null: recorded only (no release serving, or the alert is outside its window) */
  release: Release | null;
  /** the newest release that had traffic when the alert started, serving or not */
  culprit: Release | null;
  /** the rollback target: the release before the blamed one */
  previous: Release | null;
  why: string;
}

const SEVERITIES: readonly string[] = ['low', 'medium', 'high', 'critical'];

/** Alertmanager's matchers: exact values, and regular expressions anchored at both ends. */
export function mappingMatches(mapping: Mapping, labels: Record<string, string>): boolean {
  const exact = Object.entries(mapping.match).every(([key, value]) => labels[key] === value);
  return (
    exact && Object.entries(mapping.matchRe).every(([key, re]) => new RegExp(`^(?:${re})$`).test(labels[key] ?? ''))
  );
}

/** Releases that took traffic: a failed or still-deploying release cannot have caused an alert. */
const SERVED = new Set(['analyzing', 'live', 'superseded', 'retired', 'rolled-back']);

/**
 * The culprit is the newest release that had traffic when the alert started;
 * it is acted on only while it still serves and the alert started within its window.
 */
function blame(
  alert: IncomingAlert,
  releases: readonly Release[],
  windowMs: number,
): Pick<Attribution, 'release' | 'culprit' | 'previous' | 'why'> {
  const culprit = releases.find((r) => SERVED.has(r.status) && r.createdAt <= alert.startsAt) ?? null;
  const none = (why: string) => ({ release: null, culprit, previous: null, why });
  if (!culprit) return none('it started before any release of this service was deployed');
  const label = `${culprit.service} ${culprit.version} (r${culprit.revision})`;
  if (culprit.status !== 'analyzing' && culprit.status !== 'live')
    return none(`it started while ${label} served, which is ${culprit.status} now`);
  const after = alert.startsAt - culprit.createdAt;
  if (after > windowMs)
    return none(
      `it started ${formatDuration(after)} after ${label} was deployed, past the ${formatDuration(windowMs)} window`,
    );
  const previous =
    releases.find((r) => r.revision < culprit.revision && r.promotedAt !== null && r.status !== 'rolled-back') ?? null;
  return {
    release: culprit,
    culprit,
    previous,
    why: `it started ${formatDuration(after)} after ${label} was deployed (${new Date(culprit.createdAt).toISOString()}), within the ${formatDuration(windowMs)} window`,
  };
}

/** Every (service, environment) whose mappings claim the alert, with the release blamed or why none is. */
export async function attribute(ctx: AppContext, alert: IncomingAlert): Promise<Attribution[]> {
  const { config } = ctx.loaded;
  const out: Attribution[] = [];
  for (const [service, svc] of Object.entries(config.services)) {
    const mapping = svc.alerts.find((m) => mappingMatches(m, alert.labels));
    if (!mapping) continue;
    const declared = svc.environments ?? Object.keys(config.environments);
    const environment =
      mapping.environment ??
      [alert.labels.environment, alert.labels.env].find((e) => e && declared.includes(e)) ??
      declared[0];
    if (!environment) continue;
    const labelled = alert.labels.severity ?? '';
    const severity = (mapping.severity ?? (SEVERITIES.includes(labelled) ? labelled : 'high')) as Severity;
    const windowMs = mapping.window
      ? parseDuration(mapping.window)
      : parseDuration(svc.analysis.duration) + parseDuration(svc.rollbackWindow);
    const releases = await ctx.store.listReleases(service, environment, 50);
    out.push({
      service,
      environment,
      trigger: mapping.trigger ?? mapping.name ?? alert.labels.alertname ?? 'alert',
      severity,
      shadow: mapping.mode === 'shadow',
      ...blame(alert, releases, windowMs),
    });
  }
  return out;
}
