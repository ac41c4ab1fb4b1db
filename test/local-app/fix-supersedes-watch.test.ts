import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { apiFetch } from '../helpers/api.js';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, runCli, startServe, tempProject, waitFor } from '../helpers/cli.js';
import { localProject, setFault, whoAnswers } from './harness.js';

let project: Project;
let serve: Serve | null = null;
afterEach(async () => {
  await serve?.kill('SIGTERM');
  serve = null;
  project?.cleanup();
});

/** a post-rollback watch far longer than the test: only the fix can end it in time */
const WATCHED = `    analysis: { duration: 4s }
    postRollback: { watch: 120s }
    triggers:
      - { metric: errorRate, above: 0.1, for: 1s, minSamples: 10, severity: high }
`;

interface Step {
  name: string;
  status: string;
  output: string | null;
  startedAt: number | null;
}

const stateOf = (p: Project) => ({ dir: p.dir, stateDir: join(p.dir, 'state') });

describe('a fix deployed during the post-rollback watch', () => {
  it('supersedes the watch: the deploy proceeds, the rollback ends superseded, history and rollbacks say so', async () => {
    project = tempProject('rewind-supersede-');
    const ports = { controller: await freePort(), front: await freePort() };
    localProject(project, ports, '');
    writeFileSync(
      project.config,
      readFileSync(project.config, 'utf8').replace('    analysis: { duration: 0s }\n', WATCHED),
    );
    serve = await startServe(project, ports.controller);
    const cli = (...args: string[]) => runCli(args, { cwd: project.dir });
    const v1 = await cli('deploy', 'web', 'v1', '--watch');
    expect(v1.code, v1.stderr).toBe(0);

    setFault(project, 'v2', 'error-rate');
    let loading = true;
    const load = (async () => {
      while (loading) {
        await whoAnswers(ports.front);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const bad = await cli('deploy', 'web', 'v2', '--watch', '--json');
    loading = false;
    await load;
    expect(bad.code, `${bad.stdout}${bad.stderr}`).toBe(3);
    const { rollbackId } = JSON.parse(bad.stdout) as { rollbackId: string };
    // the rollback is in its 120 s watch of v1
    const show = async () =>
      JSON.parse((await cli('rollback', 'show', rollbackId, '--json')).stdout) as {
        status: string;
        finishedAt: number | null;
        steps: Step[];
      };
    await waitFor('the post-rollback watch to run', async () => {
      const detail = await show();
      return detail.steps.find((s) => s.name === 'watch')?.status === 'running' ? detail : null;
    });

    // the fix: refused as a conflict before; now it ends the watch and goes out
    const fix = await cli('deploy', 'web', 'v3', '--watch', '--json');
    expect(fix.code, `${fix.stdout}${fix.stderr}`).toBe(0);
    expect(JSON.parse(fix.stdout)).toMatchObject({ outcome: 'promoted', release: { revision: 3, version: 'v3' } });
    expect(await whoAnswers(ports.front)).toBe('v3');

    const rollback = await show();
    expect(rollback.status).toBe('superseded');
    const watch = rollback.steps.find((s) => s.name === 'watch')!;
    expect(watch.status).toBe('skipped');
    expect(watch.output).toMatch(/^superseded by web v3 \(revision 3, deployed by .+\) after \d+s of the 120s watch$/);
    // ended long before its 120 s
    expect(rollback.finishedAt! - watch.startedAt!).toBeLessThan(60_000);

    const history = JSON.parse((await cli('history', 'web', '--json')).stdout) as {
      revision: number;
      status: string;
    }[];
    expect(Object.fromEntries(history.map((r) => [r.revision, r.status]))).toEqual({
      1: 'superseded',
      2: 'rolled-back',
      3: 'live',
    });
    const listed = await cli('rollbacks');
    expect(listed.code).toBe(0);
    expect(listed.stdout.split('\n').find((l) => l.includes(rollbackId))).toContain('superseded');
    // the end event says by what, for the report and the notifications
    const answer = await apiFetch(`${serve.url}/v1/events?rollbackId=${rollbackId}&limit=500`, {}, stateOf(project));
    const events = (await answer.json()) as {
      type: string;
      rollbackId: string | null;
      data: { superseded?: string };
    }[];
    const completed = events.find((e) => e.type === 'rollback.completed' && e.rollbackId === rollbackId);
    expect(completed?.data.superseded).toBe(watch.output);
  }, 120_000);
});
