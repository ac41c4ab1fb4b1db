/**
 * Alerts from a team's monitoring, acted on like Rewind's own triggers: an alert
 * a mapping claims, about a release deployed shortly before it started, fires a
 * trigger (`metric: alert`) that the environment's decision matrix weighs — roll
 * back, ask, alert, escalate — during analysis and after promotion alike.
 * Repeated notifications of one alert act once; a resolved alert withdraws the
 * question it raised; an alert nobody claims, or outside its window, is recorded
 * and shown, never acted on.
 */
import type { Release } from '../../core/model.js';
import type { IncomingAlert } from '../../core/ports/alerts.js';
import { decide } from '../../core/policy/decide.js';
import type { TriggerOutcome } from '../../core/policy/triggers.js';
import type { Actor, AppContext } from '../context.js';
import { act, flapHistory } from '../monitor/act.js';
import { pendingFor } from '../monitor/watch-checks.js';
import { effectivePolicy } from '../policy/effective.js';
import { allEvents } from '../record/incident.js';
import type { Attribution } from './attribute.js';
import { attribute } from './attribute.js';

export type AlertAction = 'rolled-back' | 'asked' | 'decided' | 'repeat' | 'shadow' | 'withdrawn' | 'recorded';

export interface AlertReceipt {
  fingerprint: string;
  status: IncomingAlert['status'];
  results: { service: string; environment: string; revision: number | null; action: AlertAction; why: string }[];
}

/** Alerts of one fingerprint are handled one at a time (repeats arrive close together). */
const inFlight = new Map<string, Promise<unknown>>();

const alertName = (alert: IncomingAlert): string => alert.labels.alertname ?? alert.fingerprint;

async function alreadyFired(ctx: AppContext, at: Attribution, fingerprint: string): Promise<boolean> {
  const fired = await allEvents(ctx, {
    service: at.service,
    environment: at.environment,
    types: ['trigger.fired', 'trigger.shadow-fired'],
  });
  return fired.some((e) => e.data.fingerprint === fingerprint && e.revision === at.culprit?.revision);
}

async function withdraw(ctx: AppContext, alert: IncomingAlert, at: Attribution): Promise<boolean> {
  const asked = await allEvents(ctx, { service: at.service, environment: at.environment, types: ['alert.acted'] });
  const ids = asked.filter((e) => e.data.fingerprint === alert.fingerprint).map((e) => String(e.data.approvalId));
  let withdrawn = false;
  for (const id of ids) {
    const reason = `the alert ${alertName(alert)} resolved`;
    const decided = await ctx.store.decideApproval(id, { status: 'rejected', by: 'rewind', reason }, ctx.clock.now());
    if (!decided) continue;
    withdrawn = true;
    await ctx.emit({
      type: 'approval.withdrawn',
      service: at.service,
      environment: at.environment,
      revision: typeof decided.payload.revision === 'number' ? decided.payload.revision : null,
      message: `approval ${id} withdrawn: ${reason}`,
      data: { approvalId: id, fingerprint: alert.fingerprint },
    });
  }
  return withdrawn;
}

function outcomeOf(alert: IncomingAlert, at: Attribution, now: number): TriggerOutcome {
  return {
    trigger: at.trigger,
    metric: 'alert',
    severity: at.severity,
    state: 'fired',
    evidence: { value: 1, threshold: 0, op: '>', windowMs: 0, samples: 1, since: alert.startsAt, at: now },
  };
}

async function fire(ctx: AppContext, alert: IncomingAlert, at: Attribution, release: Release): Promise<AlertAction> {
  const now = ctx.clock.now();
  const phase = release.status === 'analyzing' ? 'analysis' : 'live';
  await ctx.emit({
    type: at.shadow ? 'trigger.shadow-fired' : 'trigger.fired',
    service: at.service,
    environment: at.environment,
    revision: release.revision,
    message: `${at.shadow ? 'shadow ' : ''}trigger ${at.trigger} (${at.severity}) fired on ${at.service} r${release.revision}: alert ${alertName(alert)} from ${alert.source} — ${at.why}`,
    data: {
      trigger: at.trigger,
      metric: 'alert',
      value: 1,
      threshold: 0,
      op: '>',
      windowMs: 0,
      samples: 1,
      severity: at.severity,
      revision: release.revision,
      since: alert.startsAt,
      phase,
      fingerprint: alert.fingerprint,
      alert: { source: alert.source, labels: alert.labels, startsAt: alert.startsAt, blamed: at.why },
    },
  });
  if (at.shadow) return 'shadow';
  const policy = effectivePolicy(ctx.loaded.config, at.environment);
  const history = await flapHistory(ctx, release, at.previous, policy.cooldownMs, now);
  const decision = decide({
    fired: [outcomeOf(alert, at, now)],
    environment: at.environment,
    matrix: policy.matrix,
    automatic: policy.automatic,
    cooldown: { lastAutomaticAt: history.lastAutomaticAt, periodMs: policy.cooldownMs },
    retries: { count: history.count, maximum: policy.maximumRetries },
    now,
    askDefaults: { approvalTimeoutMs: policy.approvalTimeoutMs, onTimeout: policy.onTimeout },
  });
  if (decision.action === 'ask' && (await pendingFor(ctx, release))) return 'decided';
  const result = await act(ctx, { release, previous: at.previous, phase, decision, policy });
  const approval = decision.action === 'ask' ? await pendingFor(ctx, release) : null;
  if (approval)
    await ctx.emit({
      type: 'alert.acted',
      service: at.service,
      environment: at.environment,
      revision: release.revision,
      message: `approval ${approval.id} asked because of alert ${alertName(alert)}`,
      data: { fingerprint: alert.fingerprint, approvalId: approval.id },
    });
  if (result.next === 'stop' && result.outcome === 'rolled-back') return 'rolled-back';
  return approval ? 'asked' : 'decided';
}

async function handle(ctx: AppContext, alert: IncomingAlert, actor: Actor): Promise<AlertReceipt> {
  const attributions = await attribute(ctx, alert);
  const first = attributions[0];
  await ctx.emit({
    type: 'alert.received',
    service: first?.service ?? null,
    environment: first?.environment ?? null,
    revision: first?.release?.revision ?? null,
    actor: actor.name,
    message: `alert ${alertName(alert)} ${alert.status} from ${alert.source}: ${
      attributions.length
        ? attributions.map((a) => `${a.service}/${a.environment}: ${a.why}`).join('; ')
        : 'no service claims it'
    }`,
    data: {
      source: alert.source,
      status: alert.status,
      fingerprint: alert.fingerprint,
      labels: alert.labels,
      annotations: alert.annotations,
      startsAt: alert.startsAt,
      attributions: attributions.map((a) => ({
        service: a.service,
        environment: a.environment,
        revision: a.release?.revision ?? null,
        why: a.why,
      })),
    },
  });
  const results: AlertReceipt['results'] = [];
  for (const at of attributions) {
    const row = {
      service: at.service,
      environment: at.environment,
      revision: at.release?.revision ?? null,
      why: at.why,
    };
    if (alert.status === 'resolved') {
      results.push({ ...row, action: (await withdraw(ctx, alert, at)) ? 'withdrawn' : 'recorded' });
    } else if (at.culprit && (await alreadyFired(ctx, at, alert.fingerprint))) {
      results.push({ ...row, action: 'repeat' });
    } else if (!at.release) {
      results.push({ ...row, action: 'recorded' });
    } else {
      results.push({ ...row, action: await fire(ctx, alert, at, at.release) });
    }
  }
  return { fingerprint: alert.fingerprint, status: alert.status, results };
}

/** Handles each alert of a notification; resolves once every decision was made (and a rollback restored traffic). */
export async function receiveAlerts(ctx: AppContext, alerts: IncomingAlert[], actor: Actor): Promise<AlertReceipt[]> {
  const receipts: AlertReceipt[] = [];
  for (const alert of alerts) {
    const before = inFlight.get(alert.fingerprint) ?? Promise.resolve();
    const work = before.catch(() => undefined).then(() => handle(ctx, alert, actor));
    inFlight.set(alert.fingerprint, work);
    try {
      receipts.push(await work);
    } finally {
      if (inFlight.get(alert.fingerprint) === work) inFlight.delete(alert.fingerprint);
    }
  }
  return receipts;
}
