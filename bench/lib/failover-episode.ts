/**
 * One failover as an operator meets it: two `rewind serve` processes of one
 * project on one PostgreSQL store, a rollback whose `start` step takes 3 s, and
 * SIGKILL of the leader 1 s into that step. The follower's own records say when
 * it took over: the `rollback.resumed` event, the journal closing the killed
 * attempt, and the rollback's end. Shared by the HA test (one episode, generous
 * bounds) and `npm run bench -- failover` (ten episodes against the goals).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../test/harness/free-port.js';
import { startController, type ControllerProcess } from './controller-process.js';

// every command records its begin and end (or SIGTERM) with pid and time
const STEP_SH = `#!/bin/sh
label=$1
now() { date +%s%3N; }
echo "begin|$label|$$|$(now)" >> effects.log
trap 'echo "killed|$label|$$|$(now)" >> effects.log; exit 143' TERM PIPE
sleep "$(cat "pace.$label" 2>/dev/null || echo 0.1)" & wait $!
echo "end|$label|$$|$(now)" >> effects.log
`;

const config = (url: string) => `version: 1
controller:
  store: { type: postgres, url: "${url}" }
environments:
  production: {}
services:
  api:
    driver:
      type: command
      start: ["sh", "./step.sh", "start-r{revision}"]
      shiftTraffic: ["sh", "./step.sh", "shift-r{revision}-{weight}"]
      retire: ["sh", "./step.sh", "retire-r{revision}"]
      timeout: 30s
    analysis: { duration: 0s }
    postRollback: { watch: 0s }
`;

export interface FailoverEpisode {
  /** SIGKILL of the leader → the follower's `rollback.resumed` event */
  takeoverMs: number;
  /** SIGKILL → the follower's first journal write: the killed attempt closed as interrupted */
  firstJournalMs: number;
  /** SIGKILL → the rollback's end (the 3 s step run again, the rest of the plan) */
  finishedMs: number;
  /** the re-run of the step began only after the killed one had ended */
  overlapped: boolean;
  /** steps of the plan not done by their last attempt (or skipped after a failed one), or the killed step not run again */
  skipped: number[];
  status: string;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => null);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await pause(20);
  }
}

export async function failoverEpisode(storeUrl: string): Promise<FailoverEpisode> {
  const dir = mkdtempSync(join(tmpdir(), 'rewind-failover-'));
  const started: ControllerProcess[] = [];
  try {
    writeFileSync(join(dir, 'rewind.yaml'), config(storeUrl));
    writeFileSync(join(dir, 'step.sh'), STEP_SH);
    const serve = async () => {
      const controller = await startController({ config: join(dir, 'rewind.yaml'), cwd: dir, port: await freePort() });
      started.push(controller);
      return controller;
    };
    const leader = await serve();
    const token = await until(
      'the admin token',
      async () => readFileSync(join(dir, '.rewind', 'admin.token'), 'utf8'),
      20_000,
    );
    const call = async (url: string, path: string, body?: unknown) => {
      const response = await fetch(`${url}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { authorization: `Bearer ${token.trim()}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const json = (await response.json()) as Record<string, unknown>;
      if (response.status >= 300) throw new Error(`${path} answered ${response.status}: ${JSON.stringify(json)}`);
      return json;
    };
    await until(
      'a leader',
      async () => ((await call(leader.url, '/v1/leader')).self as { leader: boolean }).leader,
      20_000,
    );
    const follower = await serve();
    for (const version of ['v1', 'v2']) await call(leader.url, '/v1/deploy', { service: 'api', version });
    writeFileSync(join(dir, 'pace.start-r1'), '3');
    const undo = await call(leader.url, '/v1/undo', { service: 'api', reason: 'failover episode' });
    const id = (undo.rollback as { id: string }).id;
    const effects = () => readFileSync(join(dir, 'effects.log'), 'utf8');
    // the first start-r1 is v1's deploy; the second is the rollback's
    await until('the 3 s step to begin', async () => effects().split('begin|start-r1|').length > 2, 20_000);
    await pause(1_000);
    const killedAt = Date.now();
    process.kill(leader.pid, 'SIGKILL');
    const done = await until(
      'the follower to finish the rollback',
      async () => {
        const detail = await call(follower.url, `/v1/rollbacks/${id}`);
        return ['succeeded', 'failed', 'escalated'].includes(String(detail.status)) && detail;
      },
      60_000,
    );
    const events = (await call(follower.url, `/v1/events?rollbackId=${id}&limit=1000`)) as unknown as {
      type: string;
      at: number;
    }[];
    const resumed = events.find((e) => e.type === 'rollback.resumed' && e.at >= killedAt);
    const journal = done.journal as { stepIndex: number; attempt: number; status: string; finishedAt: number }[];
    const closed = journal.find((j) => j.stepIndex === 0 && j.attempt === 1 && j.status === 'interrupted');
    // every step of the plan is done (the killed one by a later attempt); a step is skipped only if nothing of it failed
    const steps = (done.steps as { index: number; status: string }[] | undefined) ?? [];
    const skipped = steps
      .filter((step) => {
        const attempts = journal.filter((j) => j.stepIndex === step.index).sort((a, b) => a.attempt - b.attempt);
        const last = attempts.at(-1);
        if (step.status === 'skipped') return attempts.some((a) => a.status === 'failed' || a.status === 'interrupted');
        return step.status !== 'done' || last?.status !== 'done' || (step.index === 0 && last.attempt < 2);
      })
      .map((step) => step.index);
    // an answer without the plan proves nothing: counted as skipped
    if (steps.length === 0) skipped.push(-1);
    const starts = effects()
      .split('\n')
      .filter((l) => l.includes('|start-r1|'))
      .slice(2)
      .map((l) => l.split('|'));
    const firstEnd = starts.find((l) => l[0] !== 'begin');
    const rerun = starts.filter((l) => l[0] === 'begin')[1];
    return {
      takeoverMs: (resumed?.at ?? NaN) - killedAt,
      firstJournalMs: (closed?.finishedAt ?? NaN) - killedAt,
      finishedMs: Number(done.finishedAt) - killedAt,
      overlapped: !firstEnd || !rerun || Number(rerun[3]) < Number(firstEnd[3]),
      skipped,
      status: String(done.status),
    };
  } finally {
    for (const controller of started) {
      try {
        process.kill(controller.pid, 'SIGKILL');
      } catch {
        // already gone (the killed leader)
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
