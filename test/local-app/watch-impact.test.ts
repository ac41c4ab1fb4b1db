/**
 * `deploy --watch` as a CI gate answers once traffic is back on the good
 * release (exit 3) while the default 2-minute post-rollback watch still runs in
 * the controller; the incident report's impact is what the traffic switch
 * counted, and matches what a real load generator saw within 10%.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createLoadGenerator } from '../../src/runtime/demo/load-generator.js';
import type { RollbackDetail } from '../../src/core/model.js';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, runCli, startServe, tempProject, waitFor } from '../helpers/cli.js';
import { localProject, setFault } from './harness.js';

let project: Project | undefined;
let serve: Serve | undefined;
afterAll(async () => {
  // the post-rollback watch is still running: no graceful drain wanted here
  await serve?.kill('SIGKILL');
  project?.cleanup();
});

describe('deploy --watch and the incident impact', () => {
  it('answers within seconds of traffic being restored; the report counts the failed requests', async () => {
    project = tempProject('rewind-watch-impact-');
    const ports = { controller: await freePort(), front: await freePort() };
    localProject(
      project,
      ports,
      '    triggers:\n      - { metric: errorRate, above: 0.1, for: 1s, minSamples: 20, severity: high }\n',
    );
    const { readFileSync, writeFileSync } = await import('node:fs');
    writeFileSync(
      project.config,
      readFileSync(project.config, 'utf8')
        .replace('analysis: { duration: 0s }', 'analysis: { duration: 8s }')
        .replace(
          'environments: { production: {} }',
          'environments: { production: { targets: { errorBudget: { allowedFailures: 1000 } } } }',
        ),
    );
    serve = await startServe(project, ports.controller);
    const cli = (...args: string[]) => runCli(args, { cwd: project!.dir });
    expect((await cli('deploy', 'web', 'v1', '--watch')).code).toBe(0);

    const load = createLoadGenerator({ url: `http://127.0.0.1:${ports.front}/`, ratePerSecond: 100 });
    load.start();
    setFault(project, 'v2', 'error-rate');
    const watched = await cli('deploy', 'web', 'v2', '--watch');
    const answeredAt = Date.now();
    await new Promise((r) => setTimeout(r, 1000)); // the last answers of v2 in flight
    const client = await load.stop();

    expect(watched.code, watched.stderr).toBe(3);
    // not a terminal: the story as plain lines while it happens, then the outcome
    expect(watched.stderr).toMatch(/trigger errorRate-above-0\.1 \(high\) fired on web r2/);
    expect(watched.stderr).toContain('traffic is back on revision 1');
    expect(watched.stderr).toContain('revision 2 in production: rolled-back');
    const [latest] = JSON.parse((await cli('rollbacks', '--json')).stdout) as { id: string }[];
    const result = { rollbackId: latest?.id as string };
    const rollback = JSON.parse((await cli('rollback', 'show', result.rollbackId, '--json')).stdout) as RollbackDetail;
    // the 2-minute watch of the restored release goes on in the controller
    expect(rollback.status).toBe('running');
    expect(rollback.steps.find((s) => s.name === 'watch')?.status).toBe('running');

    // counted in the retire step right after the shift, before the bad release is removed
    const report = await waitFor('the impact', async () => {
      const built = JSON.parse((await cli('report', result.rollbackId, '--format', 'json')).stdout);
      return built.impact.measuredBy !== null && built;
    });
    const restoredAt = report.recovery.times.trafficRestoredAt as number;
    expect(answeredAt - restoredAt).toBeLessThan(5000);

    const failedByClient = client.failed;
    expect(failedByClient).toBeGreaterThan(20);
    expect(report.impact.measuredBy).toBe('local');
    expect(Math.abs(report.impact.failedRequests - failedByClient)).toBeLessThanOrEqual(failedByClient * 0.1);
    expect(report.impact.errorBudget).toEqual({
      allowedFailures: 1000,
      burnedPercent: report.impact.failedRequests / 10,
    });
    const firstFailure = Math.min(
      ...load
        .samples()
        .filter((s) => s.status !== 200)
        .map((s) => s.endedAt),
    );
    // first bad answer → traffic restored, to the switch's one-second resolution
    expect(Math.abs(report.impact.durationMs - (restoredAt - firstFailure))).toBeLessThan(1500);
    const markdown = (await cli('report', result.rollbackId)).stdout;
    expect(markdown).toContain(
      `| Failed requests | ${report.impact.failedRequests} of ${report.impact.totalRequests} |`,
    );
  }, 90_000);
});
