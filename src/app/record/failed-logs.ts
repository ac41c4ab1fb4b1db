/**
 * The failed release's logs (runbook: "collect all logs from the failed
 * deployment", `kubectl logs --previous`): before the bad release is stopped,
 * its driver hands over what each instance printed. Every line is masked; the
 * whole output goes to `<stateDir>/incidents/<rollback id>-logs/<instance>.log`
 * and the lines around each instance's first failure to the `rollback.logs`
 * event, which the incident report reads. Recorded once per rollback.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage } from '../../core/errors.js';
import type { Rollback } from '../../core/model.js';
import type { InstanceOutput } from '../../core/ports/driver.js';
import { excerptAround } from '../../report/log-excerpt.js';
import type { AppContext } from '../context.js';
import { logWindow } from '../policy/rollback-options.js';
import { allEvents } from './incident.js';

/** Lines read per instance; the full file kept beside the report holds at most this many. */
const MAX_LINES = 10_000;
/** Instances whose excerpt the report keeps (a large deployment: the files of the others are still kept). */
const MAX_INSTANCES = 16;
/** A platform that does not answer in this long leaves the report without logs, never a rollback waiting. */
const READ_TIMEOUT_MS = 15_000;

const safe = (text: string): string => text.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '') || 'instance';

export function logsDirectory(stateDir: string, rollbackId: string): string {
  return join(stateDir, 'incidents', `${safe(rollbackId)}-logs`);
}

async function read(ctx: AppContext, rollback: Rollback): Promise<InstanceOutput[] | string> {
  const release = await ctx.store.getRelease(rollback.service, rollback.environment, rollback.fromRevision as number);
  if (!release) return `revision ${String(rollback.fromRevision)} not found`;
  const driver = ctx.driver(rollback.service);
  if (!driver.logs) return `the ${driver.type} driver cannot read a release's output`;
  const timeout = AbortSignal.timeout(READ_TIMEOUT_MS);
  const gaveUp = new Promise<string>((resolve) =>
    timeout.addEventListener('abort', () => resolve(`no answer within ${READ_TIMEOUT_MS / 1000}s`), { once: true }),
  );
  return Promise.race([driver.logs(release, { maxLines: MAX_LINES, signal: timeout }), gaveUp]).catch(
    (error: unknown) => `could not read them: ${errorMessage(error)}`,
  );
}

export async function recordFailedLogs(ctx: AppContext, rollback: Rollback): Promise<void> {
  if (rollback.fromRevision === null || rollback.fromRevision === rollback.toRevision) return;
  const done = await allEvents(ctx, { rollbackId: rollback.id, types: ['rollback.logs'] });
  if (done.some((e) => e.service === rollback.service)) return;
  const release = await ctx.store.getRelease(rollback.service, rollback.environment, rollback.fromRevision);
  const outputs = await read(ctx, rollback);
  const base = {
    type: 'rollback.logs',
    service: rollback.service,
    environment: rollback.environment,
    rollbackId: rollback.id,
    revision: rollback.fromRevision,
  };
  if (typeof outputs === 'string') {
    await ctx.emit({
      ...base,
      message: `the failed release's logs were not collected: ${outputs}`,
      data: { logs: [], notCollected: outputs },
    });
    return;
  }
  const window = logWindow(ctx.loaded.config, rollback.service, rollback.environment);
  const directory = logsDirectory(ctx.loaded.stateDir, rollback.id);
  await mkdir(directory, { recursive: true });
  const logs = [];
  for (const output of outputs) {
    const masked = output.lines.map((line) => ctx.redact(line));
    const file = join(directory, `${safe(output.instance)}.log`);
    await writeFile(file, masked.length > 0 ? `${masked.join('\n')}\n` : '', { mode: 0o600 });
    const excerpt = excerptAround(masked, window);
    logs.push({
      instance: output.instance,
      release: release?.version ?? null,
      revision: rollback.fromRevision,
      lines: excerpt.lines,
      firstFailure: excerpt.firstFailure,
      omittedBefore: excerpt.omittedBefore,
      omittedAfter: excerpt.omittedAfter,
      file,
    });
  }
  const failing = logs.filter((l) => l.firstFailure !== null).length;
  // the report keeps a bounded excerpt: instances that failed first, at most MAX_INSTANCES (all files are kept)
  const kept = [...logs].sort((a, b) => Number(a.firstFailure === null) - Number(b.firstFailure === null));
  await ctx.emit({
    ...base,
    message: `the failed release's logs: ${logs.length} instance(s), ${failing} with a failure line, kept in ${directory}`,
    data: {
      logs: kept.slice(0, MAX_INSTANCES),
      moreInstances: Math.max(0, kept.length - MAX_INSTANCES),
      window,
      directory,
    },
  });
}
