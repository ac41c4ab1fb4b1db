/**
 * Gradual restoration through the controller, with the local driver behind
 * both routers: a cold target gets 25 → 50 → 75 → 100 % of real traffic, each
 * share held while its triggers are checked; a target that starts failing at
 * 50 % stops the ramp there and escalates; a SIGKILLed controller resumes the
 * ramp at the step it reached.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RollbackDetail, Step } from '../../src/core/model.js';
import { findHaproxy } from '../../src/proxy/haproxy/index.js';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, runCli, startServe, tempProject, waitFor } from '../helpers/cli.js';
import { apiFetch } from '../helpers/api.js';
import { requirePart } from '../harness/free-port.js';
import { whoAnswers } from './harness.js';

const APP = resolve(import.meta.dirname, '../fixtures/ramp-app/server.mjs');

let project: Project;
let serves: Serve[] = [];
let loading = false;
afterEach(async () => {
  loading = false;
  for (const s of serves) await s.kill('SIGTERM');
  serves = [];
  project?.cleanup();
});

async function setup(router: 'builtin' | 'haproxy', hold: string) {
  project = tempProject('rewind-ramp-');
  const ports = { controller: await freePort(), front: await freePort() };
  project.write(
    'rewind.yaml',
    `version: 1
controller: { stateDir: state, listen: "127.0.0.1:${ports.controller}" }
environments: { production: {} }
services:
  web:
    driver:
      type: local
      command: ["node", "${APP}", "{version}"]
      cwd: ${project.dir}
      instances: 2
      listen: 127.0.0.1:${ports.front}
      stopTimeout: 2s
${router === 'haproxy' ? '      router: haproxy\n' : ''}    health: { live: /health/live, ready: /health/ready, interval: 200ms, timeout: 500ms, failureThreshold: 3, readyTimeout: 10s }
    analysis: { duration: 0s }
    rollbackWindow: 0s
    postRollback: { watch: 1s }
    triggers:
      - { metric: errorRate, above: 0.1, minSamples: 5, severity: high }
    rollback:
      restore: { steps: [25, 50, 75, 100], hold: ${hold} }
`,
  );
  const serve = await startServe(project, ports.controller);
  serves.push(serve);
  const cli = (...args: string[]) => runCli(args, { cwd: project.dir });
  expect((await cli('deploy', 'web', 'v1')).code).toBe(0);
  expect((await cli('deploy', 'web', 'v2')).code).toBe(0);
  // the target is cold: housekeeping stops v1 once its rollback window (0s) is over
  await waitFor(
    'v1 to be retired',
    async () =>
      JSON.parse((await cli('history', 'web', '--json')).stdout).find((r: { revision: number }) => r.revision === 1)
        ?.status === 'retired',
    20_000,
    300,
  );
  const show = async (id: string) =>
    (await (
      await apiFetch(`${serve.url}/v1/rollbacks/${id}`, {}, { dir: project.dir, stateDir: join(project.dir, 'state') })
    ).json()) as RollbackDetail;
  return { ports, serve, cli, show };
}

/** Requests from a few clients in a loop, each with the time it was sent and who answered. */
function load(front: number, clients = 4) {
  const answers: { at: number; who: string }[] = [];
  loading = true;
  const loop = async () => {
    while (loading) {
      const at = Date.now();
      answers.push({ at, who: await whoAnswers(front) });
    }
  };
  const running = Promise.all(Array.from({ length: clients }, loop));
  return {
    answers,
    stop: async () => {
      loading = false;
      await running;
    },
  };
}

const holdAt = (detail: RollbackDetail, percent: number): Step | undefined =>
  detail.steps.find((s) => s.name === 'hold' && s.params.weight === percent);

const summary = (detail: RollbackDetail) =>
  detail.steps.map((s) => `${s.name}${typeof s.params.weight === 'number' ? ` ${s.params.weight}` : ''}:${s.status}`);

describe('gradual restoration of a cold target', () => {
  it.for<'builtin' | 'haproxy'>(['builtin', 'haproxy'])(
    'under load, the %s router gives the target each step’s share (within 5 points)',
    { timeout: 120_000 },
    async (router, ctx) => {
      if (router === 'haproxy') requirePart(ctx, findHaproxy(), 'Debian haproxy (/usr/sbin/haproxy)');
      const { ports, cli, show } = await setup(router, '3s');
      const traffic = load(ports.front);
      const undo = await cli('undo', 'web', '--wait-stable', '--reason', 'ramp test', '--json');
      await traffic.stop();
      expect(undo.code, undo.stderr).toBe(0);
      const detail = await show((JSON.parse(undo.stdout) as { rollback: RollbackDetail }).rollback.id);
      expect(detail.status).toBe('succeeded');
      expect(summary(detail)).toEqual([
        'start:done',
        'await-healthy:done',
        'shift-traffic:done',
        'hold 25:done',
        'shift-traffic:done',
        'hold 50:done',
        'shift-traffic:done',
        'hold 75:done',
        'shift-traffic:done',
        'retire:done',
        'watch:done',
      ]);
      const shares: Record<number, { share: number; requests: number }> = {};
      for (const percent of [25, 50, 75]) {
        const hold = holdAt(detail, percent) as Step;
        // the requests sent while the share was held: from 1 s after the shift was read back to 0.5 s before the next one, so
        // answers to requests sent across a shift do not count
        const during = traffic.answers.filter(
          (a) => a.at >= (hold.startedAt as number) + 1000 && a.at <= (hold.finishedAt as number) - 500,
        );
        const target = during.filter((a) => a.who === 'v1').length;
        expect(during.filter((a) => a.who !== 'v1' && a.who !== 'v2')).toEqual([]);
        shares[percent] = { share: (100 * target) / during.length, requests: during.length };
        expect(during.length).toBeGreaterThan(50);
        expect(Math.abs(shares[percent].share - percent), JSON.stringify(shares)).toBeLessThanOrEqual(5);
      }
      console.log(`gradual restoration (${router}): target share per step ${JSON.stringify(shares)}`);
      expect(await whoAnswers(ports.front)).toBe('v1');
    },
  );

  it('a target that starts failing at 50% stops the ramp there and escalates', async () => {
    const { ports, cli, show } = await setup('builtin', '4s');
    const traffic = load(ports.front);
    const started = await cli('undo', 'web', '--no-wait', '--json');
    const id = (JSON.parse(started.stdout) as { rollback: RollbackDetail }).rollback.id;
    await waitFor('the hold at 50%', async () => holdAt(await show(id), 50)?.status === 'running', 60_000, 100);
    writeFileSync(join(project.dir, 'failing-v1'), '');
    const done = await waitFor('the rollback to stop', async () => {
      const detail = await show(id);
      return detail.status !== 'running' && detail.status !== 'planned' ? detail : null;
    });
    await traffic.stop();
    expect(done.status).toBe('escalated');
    expect(summary(done).slice(2, 8)).toEqual([
      'shift-traffic:done',
      'hold 25:done',
      'shift-traffic:done',
      'hold 50:failed',
      'shift-traffic:pending',
      'hold 75:pending',
    ]);
    expect(done.error).toMatch(/failed at 50% of the traffic/);
    // the ramp stays where it stopped: the bad release is not brought back, the target keeps its half
    expect(JSON.parse((await cli('status', 'web', '--json')).stdout)).toMatchObject({ weights: { 1: 50, 2: 50 } });
    rmSync(join(project.dir, 'failing-v1'));
    const after = await Promise.all(Array.from({ length: 20 }, () => whoAnswers(ports.front)));
    expect(new Set(after)).toEqual(new Set(['v1', 'v2']));
  }, 120_000);

  it('SIGKILL of the controller mid-ramp: the next one resumes at the step reached', async () => {
    const { ports, serve, cli, show } = await setup('builtin', '4s');
    const started = await cli('undo', 'web', '--no-wait', '--json');
    const id = (JSON.parse(started.stdout) as { rollback: RollbackDetail }).rollback.id;
    await waitFor('the hold at 50%', async () => holdAt(await show(id), 50)?.status === 'running', 60_000, 100);
    await serve.kill('SIGKILL');
    // the front door is a process of its own: the share stays where the ramp put it
    const meanwhile = await Promise.all(Array.from({ length: 20 }, () => whoAnswers(ports.front)));
    expect(meanwhile.filter((w) => w === 'v1')).toHaveLength(10);

    serves.push(await startServe(project, ports.controller));
    const done = await waitFor(
      'the resumed rollback',
      async () => {
        const detail = await show(id);
        return detail.status !== 'running' && detail.status !== 'planned' ? detail : null;
      },
      60_000,
    );
    expect(done.status).toBe('succeeded');
    const attempts = (index: number) => done.journal.filter((j) => j.stepIndex === index).map((j) => j.status);
    const hold50 = (holdAt(done, 50) as Step).index;
    // the steps before it ran once; the interrupted hold ran again; the ramp went on from there
    for (let index = 2; index < hold50; index++) expect(attempts(index)).toEqual(['done']);
    expect(attempts(hold50)).toEqual(['interrupted', 'done']);
    expect(attempts(hold50 + 1)).toEqual(['done']);
    expect(await whoAnswers(ports.front)).toBe('v1');
  }, 120_000);
});
