import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RewindEvent, RollbackDetail } from '../../src/core/model.js';
import { apiFetch } from '../helpers/api.js';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, runCli, startServe, tempProject, waitFor } from '../helpers/cli.js';
import { answer, opsService, writeConfig } from '../ops/harness.js';

const SERVICES = ['web', 'api', 'worker'] as const;
type Name = (typeof SERVICES)[number];
let project: Project;
let serve: Serve;
const front = {} as Record<Name, number>;
const cli = (...args: string[]) => runCli(args, { cwd: project.dir });
const serving = async (): Promise<Record<Name, string>> => ({
  web: (await answer(front.web)).release,
  api: (await answer(front.api)).release,
  worker: (await answer(front.worker)).release,
});
async function deployAll(version: string, only: readonly Name[] = SERVICES): Promise<void> {
  for (const service of only) {
    const deployed = await cli('deploy', service, version);
    expect(deployed.code, `${service} ${version}: ${deployed.stderr}`).toBe(0);
  }
}
async function restoredOrder(rollbackId: string): Promise<string[]> {
  const response = await apiFetch(`${serve.url}/v1/events?rollbackId=${rollbackId}&limit=1000`, {}, project);
  return ((await response.json()) as RewindEvent[])
    .filter((e) => e.type === 'rollback.traffic-restored')
    .map((e) => e.service as string);
}

beforeAll(async () => {
  project = tempProject('rewind-group-');
  for (const s of SERVICES) front[s] = await freePort();
  const controller = await freePort();
  const one = (s: Name, extra = '') =>
    opsService(s, front[s], project.dir, `      env: { SERVICE: "${s}" }\n${extra}`).replace(
      'instances: 2',
      'instances: 1',
    );
  writeConfig(
    project,
    controller,
    // web calls api; api's target gets 6 s to be ready in the failing case
    one('web', '    dependsOn: [api]\n') + one('api').replace('readyTimeout: 10s', 'readyTimeout: 6s') + one('worker'),
    'groups: { frontend: [web], backend: [api, worker] }\n',
  );
  serve = await startServe(project, controller);
  await deployAll('v1');
  await deployAll('v2');
  expect(await serving()).toEqual({ web: 'v2', api: 'v2', worker: 'v2' });
}, 90_000);

afterAll(async () => {
  await serve?.kill('SIGTERM');
  project?.cleanup();
});

describe('rolling back several services', () => {
  it('undo --all --dry-run prints the whole plan, dependents first, and changes nothing', async () => {
    const dry = await cli('undo', '--all', '--dry-run');
    expect(dry.code, dry.stderr).toBe(0);
    const heads = dry.stdout.split('\n').filter((l) => /^[a-z]+: v/.test(l));
    expect(heads).toEqual(['web: v2 (r2) → v1 (r1)', 'api: v2 (r2) → v1 (r1)', 'worker: v2 (r2) → v1 (r1)']);
    expect(dry.stdout).toMatch(/web: shift all traffic to web v1/);
    expect(dry.stdout).toMatch(/worker: drain and stop worker v2/);
    expect(JSON.parse((await cli('rollbacks', '--json')).stdout)).toEqual([]);
    expect(await serving()).toEqual({ web: 'v2', api: 'v2', worker: 'v2' });
  });

  it('undo --group backend rolls back only api and worker, as one rollback record', async () => {
    const undo = await cli('undo', '--group', 'backend', '--wait-stable', '--json');
    expect(undo.code, undo.stderr).toBe(0);
    const result = JSON.parse(undo.stdout) as { rollback: RollbackDetail; outcome: unknown };
    expect(result.rollback).toMatchObject({ service: '@backend', status: 'succeeded' });
    expect(new Set(result.rollback.steps.map((s) => s.params.service))).toEqual(new Set(['api', 'worker']));
    expect(result.outcome).toEqual({ rolledBack: ['api', 'worker'], failed: null, notRolledBack: [] });
    expect(await serving()).toEqual({ web: 'v2', api: 'v1', worker: 'v1' });
    expect(JSON.parse((await cli('rollbacks', '--json')).stdout)).toHaveLength(1);
  }, 60_000);

  it('undo --all: web → api → worker, each restored before the next, all back on their previous versions', async () => {
    await deployAll('v3', ['api', 'worker']);
    expect(await serving()).toEqual({ web: 'v2', api: 'v3', worker: 'v3' });
    const undo = await cli('undo', '--all', '--wait-stable', '--json');
    expect(undo.code, undo.stderr).toBe(0);
    const { rollback } = JSON.parse(undo.stdout) as { rollback: RollbackDetail };
    expect(rollback.status).toBe('succeeded');
    expect(await restoredOrder(rollback.id)).toEqual(['web', 'api', 'worker']);
    expect(await serving()).toEqual({ web: 'v1', api: 'v1', worker: 'v1' });
  }, 60_000);

  it('a failing middle service stops the rest and escalates, saying what was and was not rolled back', async () => {
    await deployAll('v4');
    expect(await serving()).toEqual({ web: 'v4', api: 'v4', worker: 'v4' });
    // api's previous release (still warm) stops answering its ready check
    project.write('unready-api-v1', '');
    const running = cli('undo', '--all');
    const active = await waitFor(
      'the rollback of every service to start',
      // straight from the API: a CLI process per look can miss a rollback that runs for seconds
      async () =>
        ((await (await apiFetch(`${serve.url}/v1/rollbacks`, {}, project)).json()) as RollbackDetail[]).find(
          (r) => r.service === '@all' && r.status === 'running',
        ),
      30_000,
      20,
    );
    // while it runs, nothing else rolls back one of its services
    const single = await cli('undo', 'worker', '--dry-run');
    expect(single.code).toBe(1);
    expect(single.stderr).toContain(`already in progress (${active.id})`);
    const undo = await running;
    expect(undo.code).toBe(4);
    expect(undo.stderr).toMatch(/escalated — web rolled back; api FAILED; worker not rolled back/);
    expect(await serving()).toEqual({ web: 'v1', api: 'v4', worker: 'v4' });
    const [latest] = JSON.parse((await cli('rollbacks', '--json')).stdout) as RollbackDetail[];
    expect(latest).toMatchObject({ service: '@all', status: 'escalated' });
    expect(latest?.error).toMatch(/^web rolled back; api FAILED; worker not rolled back — step \d+ "api: check api v1/);
  }, 60_000);
});
