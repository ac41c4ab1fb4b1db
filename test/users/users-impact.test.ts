/**
 * Users affected, counted by the front door (built-in switch and HAProxy): a
 * load client with 2,000 distinct user ids, 10 % of them on a cart that v2
 * breaks. The report's users and features match what the client saw, within
 * the documented error; the ids in clear text appear nowhere in the state dir,
 * the controller's output, the CLI's answers or /metrics.
 */
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { findHaproxy } from '../../src/proxy/haproxy/index.js';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, runCli, startServe, tempProject, waitFor } from '../helpers/cli.js';
import { requirePart } from '../harness/free-port.js';
import { ID_MARK, runUsers, usersProject, waitForRelease } from './users-load.js';

let project: Project | undefined;
let serve: Serve | undefined;
afterEach(async () => {
  await serve?.kill('SIGTERM');
  serve = undefined;
  project?.cleanup();
});

const TRIGGER = `    analysis: { duration: 20s }
    triggers:
      - { metric: usersAffected, above: 150, window: 1m, minSamples: 100, severity: high }
`;

describe.each([
  ['the built-in switch', ''],
  ['HAProxy', 'haproxy'],
])('users affected through %s', (_name, router) => {
  it('counts 2,000 users and the 200 on the broken cart, per feature, and leaks no id', async (ctx) => {
    if (router === 'haproxy') requirePart(ctx, findHaproxy(), 'Debian haproxy (/usr/sbin/haproxy)');
    project = tempProject('rewind-users-');
    const ports = { controller: await freePort(), front: await freePort() };
    usersProject(project, ports, TRIGGER);
    if (router !== '') {
      const { readFileSync, writeFileSync } = await import('node:fs');
      writeFileSync(
        project.config,
        readFileSync(project.config, 'utf8').replace(
          '      stopTimeout: 2s\n',
          '      stopTimeout: 2s\n      router: haproxy\n',
        ),
      );
    }
    serve = await startServe(project, ports.controller);
    const dir = project.dir;
    const cli = (...args: string[]) => runCli(args, { cwd: dir });
    expect((await cli('deploy', 'web', 'v1', '--watch')).code).toBe(0);

    const watched = cli('deploy', 'web', 'v2', '--watch');
    await waitForRelease(ports.front, 'v2');
    const truth = await runUsers(ports.front, 2000, 200);
    const outcome = await watched;
    expect(outcome.code, outcome.stderr).toBe(3);
    expect(outcome.stderr).toMatch(/trigger usersAffected-above-150 \(high\) fired on web r2/);
    expect(truth.affected.size).toBeGreaterThan(150);

    const [latest] = JSON.parse((await cli('rollbacks', '--json')).stdout) as { id: string }[];
    const id = latest?.id as string;
    const report = await waitFor('the impact', async () => {
      const built = JSON.parse((await cli('report', id, '--json')).stdout);
      return built.impact.measuredBy !== null && built;
    });
    const { users, features } = report.impact;
    expect(users.key).toBe('header X-User-Id');
    // 200 or fewer affected users are counted exactly (bound 0); 2,000 served by the sketch
    expect(Math.abs(users.affected - truth.affected.size)).toBeLessThanOrEqual(users.errorBound);
    expect(users.errorBound).toBe(0);
    expect(Math.abs(users.served - truth.served.size)).toBeLessThanOrEqual(users.servedErrorBound);
    expect(users.servedErrorBound).toBeGreaterThan(0);
    expect(users.ratio).toBeCloseTo(users.affected / users.served, 6);
    const checkout = features.find((f: { name: string }) => f.name === 'checkout');
    const search = features.find((f: { name: string }) => f.name === 'search');
    expect(checkout).toMatchObject({ usersAffected: truth.affected.size, failedRequests: truth.failedCart });
    expect(search.failedRequests).toBe(0);
    expect(report.impact.failedRequests).toBe(truth.failedCart);

    // replay on the recorded incident decides the same: the users trigger, then a rollback
    const replayed = JSON.parse((await cli('policy', 'replay', '--rollback', id, '--json')).stdout);
    const row = replayed.replay.rows.find((r: { metric: string }) => r.metric === 'usersAffected');
    expect(row.firedAt).not.toBeNull();
    expect(row.value).toBeGreaterThan(150);
    expect(replayed.replay.first.decision.action).toBe('rollback');

    const markdown = (await cli('report', id)).stdout;
    expect(markdown).toMatch(/\*\*Users affected: \d+ of [\d,]+ served \(\d+\.\d%\)/);
    const list = JSON.parse((await cli('rollbacks', '--json')).stdout) as { impact: { usersAffected: number } }[];
    expect(list[0]?.impact.usersAffected).toBe(users.affected);

    // no clear id anywhere: every file of the project (state dir, store, logs, front door), the answers, /metrics
    const metrics = await (await fetch(`${serve.url}/metrics`)).text();
    expect(metrics).toContain('rewind_');
    const events = (await cli('audit', '--json')).stdout;
    const outputs = [
      markdown,
      JSON.stringify(report),
      JSON.stringify(list),
      metrics,
      events,
      serve.output(),
      outcome.stderr,
    ];
    for (const text of outputs) expect(text).not.toContain(ID_MARK);
    const found = (() => {
      try {
        return execFileSync('grep', ['-r', '-a', '-l', ID_MARK, dir], { encoding: 'utf8' });
      } catch (error) {
        if ((error as { status?: number }).status === 1) return '';
        throw error;
      }
    })();
    expect(found).toBe('');
  }, 240_000);
});
