import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RewindEvent } from '../../src/core/model.js';
import { startReceiver, type Receiver } from '../harness/receiver.js';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, runCli, startServe, tempProject, waitFor } from '../helpers/cli.js';
import { apiFetch } from '../helpers/api.js';
import type { LoadGenerator } from '../../src/runtime/demo/load-generator.js';
import { answer, load, opsService, writeConfig } from './harness.js';

let project: Project;
let serve: Serve;
let receiver: Receiver;
let front: number;
const cli = (...args: string[]) => runCli(args, { cwd: project.dir });

/** The failed requests, for the assertion message: what went wrong matters more than how many. */
const failures = (generator: LoadGenerator): string =>
  JSON.stringify(
    generator
      .samples()
      .filter((s) => s.status !== 200)
      .slice(0, 10),
  );

async function events(types: string[]): Promise<RewindEvent[]> {
  const response = await apiFetch(`${serve.url}/v1/events?service=web&limit=1000`, {}, project);
  return ((await response.json()) as RewindEvent[]).filter((e) => types.includes(e.type));
}

beforeAll(async () => {
  project = tempProject('rewind-ops-');
  receiver = await startReceiver();
  front = await freePort();
  const controller = await freePort();
  writeConfig(
    project,
    controller,
    opsService('web', front, project.dir, '      env: { FEATURE_NEW_DASHBOARD: "true" }\n'),
    `notifications:
  channels: [{ name: hook, type: webhook, url: "${receiver.url}/hook" }]
  routes: [{ events: ["flag.*", "service.*"], channels: [hook] }]
`,
  );
  serve = await startServe(project, controller);
  expect((await cli('deploy', 'web', 'v1')).code).toBe(0);
}, 60_000);

afterAll(async () => {
  await serve?.kill('SIGTERM');
  await receiver?.close();
  project?.cleanup();
});

describe('rolling restart, feature flags, stop and start (local driver)', () => {
  it('restart web under load: every instance replaced, 0 failed requests', async () => {
    const before = new Set<number>();
    for (let i = 0; i < 6; i += 1) before.add(((await answer(front)) as unknown as { pid: number }).pid);
    const generator = load(front);
    await new Promise((r) => setTimeout(r, 500));
    const restarted = await cli('restart', 'web', '--json', '--reason', 'stuck worker');
    await new Promise((r) => setTimeout(r, 500));
    const report = await generator.stop();
    expect(restarted.code, restarted.stderr).toBe(0);
    expect(JSON.parse(restarted.stdout)).toMatchObject({ action: 'restarted', revision: 1 });
    expect(report.total).toBeGreaterThan(100);
    expect(report.failed, failures(generator)).toBe(0);
    const after = new Set<number>();
    for (let i = 0; i < 6; i += 1) after.add(((await answer(front)) as unknown as { pid: number }).pid);
    expect(after.size).toBe(2);
    expect([...after].some((pid) => before.has(pid))).toBe(false);
    const [event] = await events(['service.restarted']);
    expect(event).toMatchObject({ revision: 1, data: { reason: 'stuck worker' } });
  }, 60_000);

  it('flag off under load: 0 failed requests, the new value in answers, an event, a notification; list shows it', async () => {
    expect((await answer(front)).features.FEATURE_NEW_DASHBOARD).toBe('true');
    const generator = load(front);
    await new Promise((r) => setTimeout(r, 500));
    const off = await cli('flag', 'off', 'web', 'FEATURE_NEW_DASHBOARD', '--json');
    await new Promise((r) => setTimeout(r, 500));
    const report = await generator.stop();
    expect(off.code, off.stderr).toBe(0);
    expect(JSON.parse(off.stdout)).toMatchObject({ flag: 'FEATURE_NEW_DASHBOARD', value: 'false', revision: 1 });
    expect(report.failed, failures(generator)).toBe(0);
    // answered by the old environment first, by the new one at the end
    expect(report.releases['v1 FEATURE_NEW_DASHBOARD=true']?.requests).toBeGreaterThan(0);
    expect(report.releases['v1 FEATURE_NEW_DASHBOARD=false']?.requests).toBeGreaterThan(0);
    for (let i = 0; i < 4; i += 1) expect((await answer(front)).features.FEATURE_NEW_DASHBOARD).toBe('false');

    const [changed] = await events(['flag.changed']);
    expect(changed).toMatchObject({ revision: 1, data: { flag: 'FEATURE_NEW_DASHBOARD', value: 'false' } });
    const arrived = await waitFor('the flag notification', async () =>
      receiver.accepted().find((r) => (r.json as { type?: string }).type === 'flag.changed'),
    );
    expect(arrived.json).toMatchObject({ type: 'flag.changed', service: 'web' });
    const list = await cli('flag', 'list', 'web', '--json');
    expect(JSON.parse(list.stdout)).toEqual([
      { revision: 1, version: 'v1', status: 'live', flags: { FEATURE_NEW_DASHBOARD: 'false' } },
    ]);
  }, 60_000);

  it('a bad flag name is a usage error and changes nothing', async () => {
    const bad = await cli('flag', 'off', 'web', 'NOT-A-NAME');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('environment variable name');
    expect((await events(['flag.changed'])).length).toBe(1);
  });

  it('stop web: the front door fails; start web: the live release serves again, flag still off', async () => {
    const stopped = await cli('stop', 'web', '--json');
    expect(stopped.code, stopped.stderr).toBe(0);
    const refused = await fetch(`http://127.0.0.1:${front}/`);
    expect(refused.status).toBeGreaterThanOrEqual(500);
    await refused.text();
    const started = await cli('start', 'web', '--json');
    expect(started.code, started.stderr).toBe(0);
    const back = await answer(front);
    expect(back.release).toBe('v1');
    // the flag is part of the release: a fresh start keeps it off
    expect(back.features.FEATURE_NEW_DASHBOARD).toBe('false');
    expect((await events(['service.stopped', 'service.started'])).map((e) => e.type)).toEqual([
      'service.stopped',
      'service.started',
    ]);
  }, 60_000);

  it('flag on sets it back to true on every instance, recorded like off', async () => {
    const on = await cli('flag', 'on', 'web', 'FEATURE_NEW_DASHBOARD');
    expect(on.code, on.stderr).toBe(0);
    for (let i = 0; i < 4; i += 1) expect((await answer(front)).features.FEATURE_NEW_DASHBOARD).toBe('true');
    const list = JSON.parse((await cli('flag', 'list', 'web', '--json')).stdout) as { flags: object }[];
    expect(list[0]?.flags).toEqual({ FEATURE_NEW_DASHBOARD: 'true' });
    expect((await events(['flag.changed'])).map((e) => e.data.value)).toEqual(['false', 'true']);
  }, 60_000);

  it('API mistakes are 4xx with {error:{code,message}} and change nothing', async () => {
    const before = (await events(['flag.changed', 'service.restarted'])).length;
    const post = (path: string, json: unknown) => apiFetch(`${serve.url}${path}`, { method: 'POST', json }, project);
    const cases: [Promise<Response>, number][] = [
      [post('/v1/services/nope/restart', {}), 404],
      [post('/v1/services/web/flags/NOT-A-NAME', { on: false }), 400],
      [post('/v1/services/web/flags/FEATURE_X', { on: 'no' }), 400],
      [post('/v1/undo-group', { group: 'nope' }), 400],
      [post('/v1/undo-group', { dryRun: 'maybe' }), 400],
      // nothing has an earlier good release: nothing to roll back to
      [post('/v1/undo-group', {}), 422],
      [apiFetch(`${serve.url}/v1/services/web/config-diff?from=1`, {}, project), 400],
    ];
    for (const [pending, status] of cases) {
      const response = await pending;
      const body = (await response.json()) as { error?: { code: string; message: string } };
      expect([response.status, typeof body.error?.code, typeof body.error?.message]).toEqual([
        status,
        'string',
        'string',
      ]);
    }
    expect((await events(['flag.changed', 'service.restarted'])).length).toBe(before);
    expect(JSON.parse((await cli('rollbacks', '--json')).stdout)).toEqual([]);
  });
});
