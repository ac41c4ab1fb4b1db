import { afterEach, describe, expect, it } from 'vitest';
import type { RollbackDetail } from '../../src/core/model.js';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, runCli, startServe, tempProject, waitFor } from '../helpers/cli.js';
import { localProject, setFault, whoAnswers } from './harness.js';

let project: Project;
let serves: Serve[] = [];
afterEach(async () => {
  for (const s of serves) await s.kill('SIGTERM');
  serves = [];
  project?.cleanup();
});

async function setup(extra = '') {
  project = tempProject('rewind-local-');
  const ports = { controller: await freePort(), front: await freePort() };
  localProject(project, ports, extra);
  const serve = await startServe(project, ports.controller);
  serves.push(serve);
  const cli = (...args: string[]) => runCli(args, { cwd: project.dir });
  return { ports, serve, cli };
}

describe('local driver behind the traffic switch', () => {
  it('a release that never gets ready fails and never receives a request', async () => {
    const { ports, cli } = await setup();
    expect((await cli('deploy', 'web', 'v1')).code).toBe(0);
    setFault(project, 'v2', 'never-ready');
    const answers: string[] = [];
    let loading = true;
    const load = (async () => {
      while (loading) answers.push(await whoAnswers(ports.front));
    })();
    const deployed = await cli('deploy', 'web', 'v2', '--json');
    loading = false;
    await load;
    expect(deployed.code).toBe(1);
    expect(JSON.parse(deployed.stdout)).toMatchObject({
      outcome: 'failed',
      release: { revision: 2, status: 'failed' },
    });
    expect(answers.length).toBeGreaterThan(10);
    expect(new Set(answers)).toEqual(new Set(['v1']));
    const status = JSON.parse((await cli('status', 'web', '--json')).stdout);
    expect(status).toMatchObject({ live: { revision: 1 }, weights: { 1: 100 } });
  });

  it('target release unhealthy during rollback: escalated, traffic left where it was', async () => {
    const { ports, cli } = await setup('    rollbackWindow: 0s\n');
    expect((await cli('deploy', 'web', 'v1')).code).toBe(0);
    expect((await cli('deploy', 'web', 'v2')).code).toBe(0);
    // housekeeping stops v1 once its rollback window is over
    await waitFor(
      'v1 to be retired',
      async () =>
        JSON.parse((await cli('history', 'web', '--json')).stdout).find((r: { revision: number }) => r.revision === 1)
          ?.status === 'retired',
      20_000,
      500,
    );
    setFault(project, 'v1', 'never-ready');
    const undo = await cli('undo', 'web', '--json');
    expect(undo.code).toBe(4);
    const { rollback } = JSON.parse(undo.stdout) as { rollback: RollbackDetail };
    expect(rollback.status).toBe('escalated');
    expect(rollback.steps.map((s) => `${s.name}:${s.status}`)).toEqual([
      'start:done',
      'await-healthy:failed',
      'shift-traffic:pending',
      'retire:pending',
      'watch:pending',
    ]);
    expect(rollback.error).toMatch(/timed out after 4000ms \(last: 0\/2 instances ready/);
    expect(await whoAnswers(ports.front)).toBe('v2');
    expect(JSON.parse((await cli('status', 'web', '--json')).stdout)).toMatchObject({
      live: { revision: 2, version: 'v2' },
      weights: { 2: 100 },
    });
  });

  it('SIGKILL the controller mid-rollback: the restarted controller finishes it and the service answers', async () => {
    const { ports, serve, cli } = await setup('    postRollback: { watch: 4s }\n');
    expect((await cli('deploy', 'web', 'v1')).code).toBe(0);
    expect((await cli('deploy', 'web', 'v2')).code).toBe(0);
    expect(await whoAnswers(ports.front)).toBe('v2');
    const started = await cli('undo', 'web', '--no-wait', '--json');
    const id = (JSON.parse(started.stdout) as { rollback: RollbackDetail }).rollback.id;
    const show = async () => JSON.parse((await cli('rollback', 'show', id, '--json')).stdout) as RollbackDetail;
    await waitFor(
      'the watch step',
      async () => (await show()).steps.find((s) => s.name === 'watch')?.status === 'running',
      20_000,
    );
    await serve.kill('SIGKILL');
    // the front door is a process of its own: traffic stays where the shift put it
    expect(await whoAnswers(ports.front)).toBe('v1');

    serves.push(await startServe(project, ports.controller));
    const done = await waitFor('the resumed rollback', async () => {
      const detail = await show();
      return detail.status !== 'running' && detail.status !== 'planned' ? detail : null;
    });
    expect(done.status).toBe('succeeded');
    const watch = done.journal.filter((j) => j.stepIndex === done.steps.findIndex((s) => s.name === 'watch'));
    expect(watch.map((j) => j.status)).toEqual(['interrupted', 'done']);
    expect(await whoAnswers(ports.front)).toBe('v1');
  });
});
