import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RollbackDetail } from '../../src/core/model.js';
import { apiFetch } from '../helpers/api.js';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, startServe, tempProject, waitFor } from '../helpers/cli.js';

// Every command of the plan runs this script. It records each begin, end and
// SIGTERM with its pid and time, and deduplicates NOTHING, so a step run twice or
// two attempts overlapping are visible in effects.log. `pace` sets how long each
// command takes, `slow.<label>` makes one take 12 s (it outlives the controller's
// restart: an orphan), `fail.<label>` makes it fail.
const STEP_SH = `#!/bin/sh
label=$1
now() { date +%s%3N; }
echo "begin|$label|$$|$(now)|\${REWIND_ATTEMPT:-}" >> effects.log
trap 'echo "killed|$label|$$|$(now)|" >> effects.log; exit 143' TERM
# an orphan's stdout is a broken pipe: the shell's "Terminated" note raises SIGPIPE
trap 'echo "killed|$label|$$|$(now)|" >> effects.log; exit 141' PIPE
if [ -f "slow.$label" ]; then pace=12; else pace=$(cat pace 2>/dev/null || echo 0); fi
sleep "$pace" & wait $!
if [ -f "fail.$label" ]; then echo "end|$label|$$|$(now)|failed" >> effects.log; echo "$label failed" >&2; exit 1; fi
if [ -n "$2" ]; then echo "$3" > "$2"; fi
echo "end|$label|$$|$(now)|" >> effects.log
`;

const config = (stateDir: string) => `version: 1
controller:
  stateDir: ${stateDir}
environments:
  production: {}
services:
  api:
    driver:
      type: command
      start: ["sh", "./step.sh", "start-r{revision}", "started.r{revision}", "yes"]
      shiftTraffic: ["sh", "./step.sh", "shift-r{revision}-{weight}", "weight.r{revision}", "{weight}"]
      retire: ["sh", "./step.sh", "retire-r{revision}", "retired.r{revision}", "yes"]
      timeout: 30s
    analysis:
      duration: 0s
    hooks:
      preRollback:
        - { name: freeze, command: ["sh", "./step.sh", "hook-freeze"] }
      postRollback:
        - { name: thaw, command: ["sh", "./step.sh", "hook-thaw"] }
    postRollback:
      watch: 0s
`;

interface Run {
  label: string;
  pid: number;
  begin: number;
  end: number | null;
  how: 'end' | 'killed' | 'failed' | null;
  attempt: string;
}

/** Each command's run from effects.log, paired begin → end/killed by pid. */
function runsOf(log: string): Run[] {
  const runs = new Map<number, Run>();
  for (const line of log.trim().split('\n').filter(Boolean)) {
    const [kind, label = '', pid, at, extra = ''] = line.split('|');
    if (kind === 'begin')
      runs.set(Number(pid), { label, pid: Number(pid), begin: Number(at), end: null, how: null, attempt: extra });
    const run = runs.get(Number(pid));
    if (run && kind !== 'begin' && run.end === null) {
      run.end = Number(at);
      run.how = kind === 'killed' ? 'killed' : extra === 'failed' ? 'failed' : 'end';
    }
  }
  return [...runs.values()];
}

let project: Project;
let serve: Serve | null = null;
afterAll(async () => {
  await serve?.kill('SIGKILL');
  project?.cleanup();
});

describe('crash matrix: SIGKILL the controller anywhere in a rollback', () => {
  it('converges every time, never overlaps two attempts, never skips a failed step', async () => {
    project = tempProject();
    const stateDir = join(project.dir, 'state');
    project.write('rewind.yaml', config(stateDir));
    project.write('step.sh', STEP_SH);
    const asAdmin = { dir: project.dir, stateDir };
    const port = await freePort();
    serve = await startServe(project, port);
    const url = serve.url;
    const call = async (path: string, json?: unknown) => {
      const answer = await apiFetch(`${url}${path}`, json === undefined ? {} : { method: 'POST', json }, asAdmin);
      return { status: answer.status, body: (await answer.json()) as Record<string, unknown> };
    };
    const pace = (seconds: number) => writeFileSync(join(project.dir, 'pace'), String(seconds));
    const file = (name: string) =>
      existsSync(join(project.dir, name)) ? readFileSync(join(project.dir, name), 'utf8').trim() : null;

    pace(0);
    expect((await call('/v1/deploy', { service: 'api', version: 'v1' })).status).toBeLessThan(300);
    // kill points in ms after the undo was accepted: before, inside and after every step
    // (each command takes 250 ms; the plan runs 6 commands), then three with a failing start
    const delays = [0, 20, 50, 90, 140, 200, 260, 320, 400, 480, 560, 650, 740, 830, 950, 1080, 1200, 1330, 1480, 1700];
    const trials = [
      ...delays.map((ms) => ({ ms, failStart: false })),
      ...[0, 120, -1].map((ms) => ({ ms, failStart: true })),
      // a command still running when the next controller resumes: stopped and journaled first
      { ms: 900, failStart: false, slow: 'start' },
      { ms: 900, failStart: false, slow: 'hook-freeze' },
    ] as { ms: number; failStart: boolean; slow?: string }[];
    const summary: { delay: number; failStart: boolean; status: string; reruns: string[]; orphans: number }[] = [];

    for (const [i, trial] of trials.entries()) {
      pace(0);
      const deployed = await call('/v1/deploy', { service: 'api', version: `v${i + 2}` });
      expect(deployed.status, JSON.stringify(deployed.body)).toBeLessThan(300);
      if (existsSync(join(project.dir, 'effects.log')))
        renameSync(join(project.dir, 'effects.log'), join(project.dir, `deploy-${i}.log`));
      pace(0.25);
      const undo = await call('/v1/undo', { service: 'api', reason: `crash trial ${i}` });
      expect(undo.status, JSON.stringify(undo.body)).toBe(202);
      const rollback = undo.body.rollback as RollbackDetail;
      const bad = rollback.fromRevision as number;
      const good = rollback.toRevision;
      // read by the start command when its work is done, 250 ms after the first hook
      if (trial.failStart) writeFileSync(join(project.dir, `fail.start-r${good}`), '');
      const slow = trial.slow === 'start' ? `start-r${good}` : trial.slow;
      if (slow) writeFileSync(join(project.dir, `slow.${slow}`), '');
      if (trial.ms >= 0) await new Promise((r) => setTimeout(r, trial.ms));
      else
        await waitFor(
          'start to fail',
          async () =>
            ((await call(`/v1/rollbacks/${rollback.id}`)).body as unknown as RollbackDetail).steps[1]?.status ===
            'failed',
          10_000,
          5,
        );
      await serve.kill('SIGKILL');
      if (slow) rmSync(join(project.dir, `slow.${slow}`));
      serve = await startServe(project, port);
      const done = await waitFor(
        `trial ${i} to converge`,
        async () => {
          const detail = (await call(`/v1/rollbacks/${rollback.id}`)).body as unknown as RollbackDetail;
          return ['succeeded', 'escalated', 'failed'].includes(detail.status) ? detail : null;
        },
        30_000,
      );
      const runs = runsOf(readFileSync(join(project.dir, 'effects.log'), 'utf8'));
      rmSync(join(project.dir, `fail.start-r${good}`), { force: true });

      // no command is left running, and no two runs of one command overlap
      expect(
        runs.filter((r) => r.end === null),
        `trial ${i}`,
      ).toEqual([]);
      const byLabel = new Map<string, Run[]>();
      for (const run of runs) byLabel.set(run.label, [...(byLabel.get(run.label) ?? []), run]);
      for (const [label, list] of byLabel) {
        list.sort((a, b) => a.begin - b.begin);
        for (let k = 1; k < list.length; k++)
          expect(
            list[k]?.begin,
            `trial ${i}: ${label} attempt ${k + 1} began before attempt ${k} ended`,
          ).toBeGreaterThanOrEqual(list[k - 1]?.end as number);
      }
      const hookAttempts = runs.filter((r) => r.label.startsWith('hook-')).map((r) => `${r.label}:${r.attempt}`);
      expect(new Set(hookAttempts).size, `trial ${i}: REWIND_ATTEMPT repeats ${hookAttempts}`).toBe(
        hookAttempts.length,
      );

      if (trial.failStart) {
        // the failed step is final: nothing after it ran, traffic stays where it was
        expect(done.status, `trial ${i}`).toBe('escalated');
        expect(done.steps.map((s) => s.status).slice(0, 3), `trial ${i}`).toEqual(['done', 'failed', 'pending']);
        expect(runs.some((r) => r.label.startsWith('shift-') || r.label.startsWith('retire-'))).toBe(false);
        expect(file(`weight.r${bad}`)).toBe('100');
      } else {
        expect(done.status, `trial ${i}: ${done.error}`).toBe('succeeded');
        expect(done.steps.every((s) => s.status === 'done')).toBe(true);
        expect([file(`weight.r${good}`), file(`weight.r${bad}`), file(`retired.r${bad}`)], `trial ${i}`).toEqual([
          '100',
          '0',
          'yes',
        ]);
        expect(done.journal.every((j) => j.status === 'done' || j.status === 'interrupted')).toBe(true);
      }
      if (slow) {
        const orphan = runs.find((r) => r.label === slow);
        expect(orphan?.how, `trial ${i}: the orphaned ${slow}`).toBe('killed');
        const stopped = done.journal.find((j) => j.status === 'interrupted' && j.processGroup === orphan?.pid);
        expect(stopped?.error, `trial ${i}`).toContain(`process group ${orphan?.pid} was still running`);
      }
      summary.push({
        delay: trial.ms,
        failStart: trial.failStart,
        status: done.status,
        reruns: [...byLabel].filter(([, list]) => list.length > 1).map(([label, list]) => `${label}×${list.length}`),
        orphans: runs.filter((r) => r.how === 'killed').length,
      });
    }
    const reran = summary.filter((s) => s.reruns.length > 0);
    console.log(
      `crash matrix: ${summary.length} SIGKILLs, ${summary.filter((s) => s.status === 'succeeded').length} succeeded, ` +
        `${summary.filter((s) => s.status === 'escalated').length} escalated (failing start), 0 overlaps, 0 lost; ` +
        `${reran.length} trials re-ran a step (${reran.map((s) => `${s.delay}ms: ${s.reruns.join(' ')}`).join('; ')}); ` +
        `${summary.reduce((n, s) => n + s.orphans, 0)} orphaned commands stopped by SIGTERM before their re-run`,
    );
    expect(summary).toHaveLength(25);
  }, 240_000);
});
