/**
 * Live progress of long work in the terminal (deploy --watch): each event that tells the story as one line, and on a TTY
 * a status line redrawn in place (traffic weights, the rollback's steps). Not a
 * TTY: the story lines only. `--json`: nothing (the caller does not start it).
 */
import { createStoryTeller } from '../app/story.js';
import type { RewindApi } from '../app/index.js';
import type { RewindEvent, Step } from '../core/model.js';
import { color } from './output.js';

const STORY = new Set([
  'deploy.started',
  'deploy.ready',
  'deploy.traffic',
  'deploy.promoted',
  'deploy.failed',
  'trigger.fired',
  'decision.made',
  'approval.requested',
  'policy.escalated',
  'rollback.initiated',
  'rollback.step-finished',
  'rollback.step-failed',
  'rollback.traffic-restored',
  'rollback.completed',
  'rollback.escalated',
  'rollback.failed',
  'drill.started',
  'drill.finished',
  'database.migrated',
  'database.read-only',
  'database.read-write',
  'backup.created',
  'backup.verified',
  'backup.corrupt',
  'restore.started',
  'restore.succeeded',
  'restore.refused',
  'restore.reverted',
  'restore.revert-failed',
  'migrate-down.done',
  'migrate-down.failed',
  'migrate-down.restored',
]);

const MARK: Record<Step['status'], string> = { done: '✓', running: '…', failed: '✗', pending: '·', skipped: '-' };

export interface LiveOptions {
  api: RewindApi;
  service: string | null;
  environment: string | null;
  /** default stderr */
  out?: NodeJS.WriteStream;
  /** default 500 ms */
  everyMs?: number;
}

export interface Live {
  stop(): Promise<void>;
}

/** The id of the newest event so far: the story starts after it. */
export async function lastEventId(api: RewindApi, service: string | null, environment: string | null): Promise<number> {
  let afterId = 0;
  for (;;) {
    const page = await api.events({
      ...(service ? { service } : {}),
      ...(environment ? { environment } : {}),
      afterId,
      limit: 500,
    });
    if (page.length === 0) return afterId;
    afterId = page[page.length - 1]?.id ?? afterId;
    if (page.length < 500) return afterId;
  }
}

export async function startLive(options: LiveOptions): Promise<Live> {
  const out = options.out ?? process.stderr;
  const tty = Boolean(out.isTTY);
  const { api, service, environment } = options;
  const started = Date.now();
  let afterId = await lastEventId(api, service, environment).catch(() => 0);
  let rollbackId: string | null = null;
  let statusLine = '';
  let stopped = false;

  const story = createStoryTeller();
  const clear = () => {
    if (tty && statusLine) out.write('\r\u001b[2K');
  };
  const line = (event: RewindEvent) => {
    clear();
    const at = `${((event.at - started) / 1000).toFixed(1).padStart(5)}s`;
    const paint = /failed|escalated/.test(event.type)
      ? color.red
      : event.type.endsWith('restored')
        ? color.green
        : (s: string) => s;
    out.write(`${color.dim(at)} ${paint(story(event))}\n`);
    if (tty && statusLine) out.write(statusLine);
  };

  async function tick(): Promise<void> {
    const events = await api.events({
      ...(service ? { service } : {}),
      ...(environment ? { environment } : {}),
      afterId,
      limit: 500,
    });
    for (const event of events) {
      afterId = event.id;
      if (event.type === 'rollback.initiated' && event.rollbackId) rollbackId = event.rollbackId;
      if (STORY.has(event.type)) line(event);
    }
    if (!tty || !service) return;
    const status = await api.status(service, environment ?? undefined);
    const weights = Object.entries(status.weights)
      .map(([revision, percent]) => `r${revision} ${percent}%`)
      .join(' · ');
    let steps = '';
    if (rollbackId) {
      const detail = await api.rollback(rollbackId);
      steps = `  ${detail.steps.map((s) => `${MARK[s.status]}${s.name}`).join(' ')}`;
    }
    clear();
    statusLine = color.dim(`  traffic ${weights || 'none'}${steps}`);
    out.write(statusLine);
  }

  const loop = (async () => {
    while (!stopped) {
      await tick().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, options.everyMs ?? 500));
    }
    await tick().catch(() => undefined);
    clear();
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

/**
 * Ctrl-C while waiting on the controller: the work goes on there; say how to
 * follow it and exit 130 (128 + SIGINT), as shells expect.
 */
export function onInterrupt(what: string, service: string): () => void {
  const handler = () => {
    process.stderr.write(`\n${what} goes on in the controller; follow it with \`rewind status ${service} --watch\`\n`);
    process.exit(130);
  };
  process.once('SIGINT', handler);
  return () => process.off('SIGINT', handler);
}
