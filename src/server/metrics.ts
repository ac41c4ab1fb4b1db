import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ReleaseStatus, RewindEvent } from '../core/model.js';
import type { Store } from '../core/ports/store.js';
import type { EvaluationMeter } from '../app/monitor/evaluation-meter.js';
import { exportBackupGauges } from './backup-metrics.js';
import type { DeliveryStats } from '../app/stats/delivery-stats.js';
import { exportDelivery } from './delivery-metrics.js';

/** Options of `createControllerMetrics`. */
export interface ControllerMetricsOptions {
  /** read at scrape time: releases per status, outbox backlog, rollback kinds */
  store: Store;
  /** rollback duration buckets in seconds; default 1 s … 30 min */
  durationBuckets?: number[];
  /** the watch loops' meter: evaluation lag, evaluations and watched releases; default none (not exported) */
  evaluations?: EvaluationMeter;
  /** evaluation lag buckets in seconds; default 1 ms … 2 s, fine below 100 ms */
  lagBuckets?: number[];
  /** the delivery figures of `rewind stats`, exported as gauges; default none */
  delivery?: () => Promise<DeliveryStats[]>;
}

export interface ControllerMetrics {
  /** the metrics' own registry (never prom-client's global one) */
  registry: Registry;
  /** feed it every event the controller emits; returns at once */
  observe(event: RewindEvent): void;
  /** serves `GET /metrics` in the Prometheus text format */
  register(app: FastifyInstance): void;
  /** resolves when the observations in flight are counted (tests, shutdown) */
  settled(): Promise<void>;
}

const RELEASE_STATUSES: readonly ReleaseStatus[] = [
  'deploying',
  'analyzing',
  'live',
  'superseded',
  'retired',
  'failed',
  'rolled-back',
];
/** fine where the goal is (lag p99 ≤ 100 ms), coarse beyond an interval */
const LAG_BUCKETS = [
  0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.04, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2,
];
const OUTCOME: Readonly<Record<string, string>> = {
  'rollback.completed': 'succeeded',
  'rollback.escalated': 'escalated',
  'rollback.failed': 'failed',
};

/**
 * The controller's `/metrics`: rollbacks by service, environment, kind
 * and outcome with their durations, fired triggers, releases per status and the
 * notification outbox backlog. Counters come from events as they happen; the
 * gauges are read from the store when Prometheus scrapes.
 */
export function createControllerMetrics(options: ControllerMetricsOptions): ControllerMetrics {
  const { store } = options;
  const registry = new Registry();
  const rollbacks = new Counter({
    name: 'rewind_rollbacks_total',
    help: 'Rollbacks that ended, by outcome (succeeded, superseded, escalated, failed)',
    labelNames: ['service', 'environment', 'kind', 'outcome'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'rewind_rollback_duration_seconds',
    help: 'Time from a rollback starting to its end',
    labelNames: ['service', 'environment', 'kind', 'outcome'] as const,
    buckets: options.durationBuckets ?? [1, 2, 5, 10, 30, 60, 120, 300, 600, 1800],
    registers: [registry],
  });
  const triggers = new Counter({
    name: 'rewind_triggers_fired_total',
    help: 'Triggers that fired, by trigger name and severity',
    labelNames: ['service', 'environment', 'trigger', 'severity'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'rewind_releases',
    help: 'Releases known to the store, by status',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      const releases = await store.releasesWithStatus([...RELEASE_STATUSES]);
      for (const status of RELEASE_STATUSES) this.set({ status }, releases.filter((r) => r.status === status).length);
    },
  });
  new Gauge({
    name: 'rewind_outbox_backlog',
    help: 'Notifications waiting in the outbox',
    registers: [registry],
    async collect() {
      this.set(await store.outboxBacklog());
    },
  });

  exportBackupGauges(registry, store);
  if (options.delivery) exportDelivery(registry, options.delivery);
  if (options.evaluations) exportEvaluations(registry, options.evaluations, options.lagBuckets ?? LAG_BUCKETS);

  const pending = new Set<Promise<void>>();
  async function countRollback(event: RewindEvent, outcome: string): Promise<void> {
    const rollback = await store.getRollback(event.rollbackId as string);
    if (!rollback) return;
    const labels = { service: rollback.service, environment: rollback.environment, kind: rollback.kind, outcome };
    rollbacks.inc(labels);
    const end = rollback.finishedAt ?? event.at;
    duration.observe(labels, Math.max(0, end - (rollback.startedAt ?? rollback.createdAt)) / 1000);
  }

  return {
    registry,
    observe(event) {
      if (event.type === 'trigger.fired') {
        triggers.inc({
          service: event.service ?? '',
          environment: event.environment ?? '',
          trigger: String(event.data.trigger ?? ''),
          severity: String(event.data.severity ?? ''),
        });
        return;
      }
      const outcome = event.data.superseded ? 'superseded' : OUTCOME[event.type];
      if (!outcome || !event.rollbackId) return;
      const work = countRollback(event, outcome).catch(() => undefined);
      pending.add(work);
      void work.finally(() => pending.delete(work));
    },
    register(app) {
      app.get('/metrics', async (_request, reply) => {
        const text = await registry.metrics();
        return reply.header('content-type', registry.contentType).send(text);
      });
    },
    async settled() {
      await Promise.allSettled([...pending]);
    },
  };
}

/**
 * The watch loops' timing: how late each evaluation of a watched release
 * completed relative to its due time, how many ran and were skipped, and how many
 * releases are watched now. Observing is a bucket search per evaluation.
 */
function exportEvaluations(registry: Registry, meter: EvaluationMeter, buckets: number[]): void {
  const lag = new Histogram({
    name: 'rewind_evaluation_lag_seconds',
    help: 'How late each evaluation of a watched release completed, relative to when it was due',
    buckets,
    registers: [registry],
  });
  const evaluations = new Counter({
    name: 'rewind_evaluations_total',
    help: 'Evaluations of watched releases that completed',
    registers: [registry],
  });
  const skipped = new Counter({
    name: 'rewind_evaluations_skipped_total',
    help: 'Evaluations not run because the one before completed more than an interval late',
    registers: [registry],
  });
  new Gauge({
    name: 'rewind_watched_releases',
    help: 'Releases watched now (analysis, rollback window, post-rollback watch)',
    registers: [registry],
    collect() {
      this.set(meter.watching());
    },
  });
  meter.onEvaluation((timing) => {
    lag.observe(timing.lagMs / 1000);
    evaluations.inc();
    if (timing.skipped > 0) skipped.inc(timing.skipped);
  });
}
