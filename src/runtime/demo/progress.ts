/**
 * Live progress of the demo on stderr ("current weights, error rate,
 * step list"): one status line a second, and a line for each event that tells
 * the story (trigger fired, decision, rollback steps, traffic restored).
 */
import type { RewindEvent, Step } from '../../core/model.js';
import type { RewindApi } from '../../app/index.js';
import { createStoryTeller } from '../../app/story.js';
import { isFailed } from './load-report.js';
import type { LoadGenerator } from './load-generator.js';

export interface ProgressOptions {
  api: RewindApi;
  service: string;
  environment: string;
  load: LoadGenerator;
  /** receives finished lines; default nothing is written */
  write: (line: string) => void;
  /** revision → version label, filled in as releases appear */
  versions: Map<number, string>;
  /** the demo's time zero, for the elapsed column */
  startedAt: number;
  /** default every 1000 ms */
  everyMs?: number;
}

export interface Progress {
  onEvent(event: RewindEvent): void;
  /** the rollback whose steps the status line shows */
  follow(rollbackId: string): void;
  stop(): void;
}

const STORY = new Set([
  'deploy.started',
  'deploy.ready',
  'deploy.traffic',
  'deploy.promoted',
  'deploy.failed',
  'trigger.fired',
  'decision.made',
  'rollback.initiated',
  'rollback.step-finished',
  'rollback.step-failed',
  'rollback.traffic-restored',
  'rollback.completed',
  'rollback.escalated',
  'policy.escalated',
]);

const mark: Record<Step['status'], string> = { done: '✓', running: '…', failed: '✗', pending: '·', skipped: '-' };

export function createProgress(options: ProgressOptions): Progress {
  let rollbackId: string | null = null;
  let busy = false;
  const story = createStoryTeller();
  const elapsed = (at: number): string => `${((at - options.startedAt) / 1000).toFixed(1).padStart(5)}s`;

  function lastSecond(now: number): { rate: number; errorRate: number } {
    // samples arrive from the load's thread in 100 ms batches: look at the last complete second
    const recent = options.load
      .samples()
      .filter((sample) => sample.endedAt >= now - 1100 && sample.endedAt < now - 100);
    const failed = recent.filter(isFailed).length;
    return { rate: recent.length, errorRate: recent.length === 0 ? 0 : failed / recent.length };
  }

  async function statusLine(): Promise<void> {
    if (busy) return;
    busy = true;
    try {
      const now = Date.now();
      const status = await options.api.status(options.service, options.environment);
      const weights = Object.entries(status.weights ?? {})
        .map(([revision, percent]) => `${options.versions.get(Number(revision)) ?? `r${revision}`} ${percent}%`)
        .join(' · ');
      const { rate, errorRate } = lastSecond(now);
      let steps = '';
      if (rollbackId) {
        const detail = await options.api.rollback(rollbackId);
        steps = `  rollback ${detail.steps.map((step) => `${mark[step.status]}${step.name}`).join(' ')}`;
      }
      options.write(
        `${elapsed(now)}  weights ${weights || '—'}  ${rate} req/s  errors ${(errorRate * 100).toFixed(1)}%${steps}`,
      );
    } catch {
      // progress is decoration: a failed read must not disturb the demo
    } finally {
      busy = false;
    }
  }

  const timer = setInterval(() => void statusLine(), options.everyMs ?? 1000);
  timer.unref();

  return {
    onEvent(event) {
      if (event.type === 'deploy.started' && event.revision !== null) {
        const version = (event.data as { version?: unknown }).version;
        if (typeof version === 'string') options.versions.set(event.revision, version);
      }
      if (event.type === 'rollback.initiated' && event.rollbackId) rollbackId = event.rollbackId;
      if (STORY.has(event.type)) options.write(`${elapsed(event.at)}  ▸ ${story(event)}`);
    },
    follow(id) {
      rollbackId = id;
    },
    stop() {
      clearInterval(timer);
    },
  };
}
