import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Release, RewindEvent } from '../../src/core/model.js';
import { apiFetch } from '../helpers/api.js';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, runCli, startServe, tempProject, waitFor } from '../helpers/cli.js';
import { answer, load, opsService, writeConfig } from './harness.js';

let project: Project;
let serve: Serve;
let front: number;
const cli = (...args: string[]) => runCli(args, { cwd: project.dir });
const events = async (): Promise<RewindEvent[]> =>
  (await (await apiFetch(`${serve.url}/v1/events?service=web&limit=5000`, {}, project)).json()) as RewindEvent[];

beforeAll(async () => {
  project = tempProject('rewind-flag-off-');
  front = await freePort();
  const controller = await freePort();
  writeConfig(
    project,
    controller,
    opsService(
      'web',
      front,
      project.dir,
      '      env: { FEATURE_NEW_DASHBOARD: "true", BROKEN_WITH_FLAG: "v2" }\n' +
        '    triggers: [{ name: errors, metric: errorRate, above: 0.2, minSamples: 20, severity: high }]\n',
    ).replace('analysis: { duration: 0s }', 'analysis: { duration: 8s }'),
    `policy:
  matrix:
    - { name: dashboard-kill-switch, match: { severity: [high] }, action: flag-off, flag: FEATURE_NEW_DASHBOARD }
`,
  );
  serve = await startServe(project, controller);
}, 30_000);

afterAll(async () => {
  await serve?.kill('SIGTERM');
  project?.cleanup();
});

describe('a flag-off decision', () => {
  it('turns the flag off instead of rolling back: errors stop, the release stays and is promoted', async () => {
    const v1 = await cli('deploy', 'web', 'v1', '--watch');
    expect(v1.code, v1.stderr).toBe(0);
    const generator = load(front);
    const v2 = await cli('deploy', 'web', 'v2');
    expect(v2.code, v2.stderr).toBe(0);
    const changed = await waitFor(
      'the flag to be turned off',
      async () => (await events()).find((e) => e.type === 'flag.changed'),
      30_000,
      250,
    );
    expect(changed).toMatchObject({
      revision: 2,
      actor: 'rewind',
      data: { flag: 'FEATURE_NEW_DASHBOARD', value: 'false' },
    });
    await waitFor(
      'v2 to be promoted',
      async () =>
        (JSON.parse((await cli('history', 'web', '--json')).stdout) as Release[]).find((r) => r.revision === 2)
          ?.status === 'live',
      40_000,
      500,
    );
    const tail = Date.now();
    await new Promise((r) => setTimeout(r, 1000));
    const report = await generator.stop();
    const all = await events();
    const decision = all.find((e) => e.type === 'decision.made');
    expect(decision?.data).toMatchObject({
      action: 'flag-off',
      flag: 'FEATURE_NEW_DASHBOARD',
      rule: 'dashboard-kill-switch',
    });
    expect(all.some((e) => e.type === 'rollback.initiated')).toBe(false);
    // v2 failed with the feature on, then served without a failure once it was off
    expect(report.releases['v2 FEATURE_NEW_DASHBOARD=true']?.failed ?? 0).toBeGreaterThan(0);
    const flagOffAt = changed.at;
    const late = report.perSecond.filter((s) => (report.startedAt ?? 0) + s.second * 1000 > flagOffAt + 1000);
    expect(late.reduce((n, s) => n + s.requests, 0)).toBeGreaterThan(100);
    expect(late.reduce((n, s) => n + s.failed, 0)).toBe(0);
    expect(tail).toBeGreaterThan(flagOffAt);
    expect(await answer(front)).toMatchObject({ release: 'v2', features: { FEATURE_NEW_DASHBOARD: 'false' } });
    const list = JSON.parse((await cli('flag', 'list', 'web', '--json')).stdout) as {
      revision: number;
      flags: object;
    }[];
    expect(list.find((r) => r.revision === 2)?.flags).toEqual({ FEATURE_NEW_DASHBOARD: 'false' });
  }, 90_000);
});
