import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RollbackDetail } from '../../src/core/model.js';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, runCli, startServe, tempProject, waitFor } from '../helpers/cli.js';
import { apiFetch } from '../helpers/api.js';

// Each step appends its line to effects.log only if the line is not there yet
// (steps are idempotent). The start step sleeps while `slow` exists, so the test
// can SIGKILL the controller inside it.
const appendOnce = (line: string, slow = false) =>
  `["sh", "-c", "${slow ? 'if [ -f slow ]; then sleep 3; fi; ' : ''}grep -qx '${line}' effects.log 2>/dev/null || echo '${line}' >> effects.log"]`;

const config = (stateDir: string) => `version: 1
controller:
  stateDir: ${stateDir}
environments:
  production: {}
services:
  api:
    driver:
      type: command
      start: ${appendOnce('start {version} r{revision}', true)}
      shiftTraffic: ${appendOnce('shift r{revision} {weight}')}
      retire: ${appendOnce('retire r{revision}')}
      timeout: 30s
    hooks:
      preRollback:
        - { name: freeze, command: ${appendOnce('hook freeze')} }
        - { name: page, command: ${appendOnce('hook page')} }
      postRollback:
        - { name: thaw, command: ${appendOnce('hook thaw')} }
    postRollback:
      watch: 0s
`;

let project: Project;
let serves: Serve[] = [];
afterEach(async () => {
  for (const s of serves) await s.kill('SIGKILL');
  serves = [];
  project?.cleanup();
});

// the projects keep their state in <dir>/state
const admin = () => ({ dir: project.dir, stateDir: join(project.dir, 'state') });
const getRollback = async (url: string, id: string): Promise<RollbackDetail> =>
  (await (await apiFetch(`${url}/v1/rollbacks/${id}`, {}, admin())).json()) as RollbackDetail;

describe('journaled executor survives a controller crash', () => {
  it('SIGKILL inside step 3: a new controller resumes, every effect happens once, the journal shows the retry', async () => {
    project = tempProject();
    project.write('rewind.yaml', config(join(project.dir, 'state')));
    for (const version of ['v1', 'v2']) {
      const deployed = await runCli(['deploy', 'api', version, '--json', '--controller', 'http://127.0.0.1:9'], {
        cwd: project.dir,
      });
      expect(deployed.code, deployed.stderr).toBe(0);
    }
    writeFileSync(join(project.dir, 'effects.log'), '');
    writeFileSync(join(project.dir, 'slow'), '');

    const port = await freePort();
    const first = await startServe(project, port);
    serves.push(first);
    const started = await apiFetch(
      `${first.url}/v1/undo`,
      { method: 'POST', json: { service: 'api', reason: 'crash test' } },
      admin(),
    );
    expect(started.status).toBe(202);
    const { rollback } = (await started.json()) as { rollback: RollbackDetail };
    expect(rollback.steps.map((s) => s.name)).toEqual(['hook', 'hook', 'start', 'shift-traffic', 'retire', 'hook']);

    await waitFor(
      'step 3 to run',
      async () => (await getRollback(first.url, rollback.id)).steps[2]?.status === 'running',
    );
    await new Promise((r) => setTimeout(r, 500));
    await first.kill('SIGKILL');

    const second = await startServe(project, port);
    serves.push(second);
    const done = await waitFor('the resumed rollback to end', async () => {
      const detail = await getRollback(second.url, rollback.id);
      return detail.status === 'succeeded' || detail.status === 'escalated' ? detail : null;
    });
    expect(done.status).toBe('succeeded');
    // the orphaned first attempt may still be sleeping: let it finish before counting
    await new Promise((r) => setTimeout(r, 3500));

    const lines = readFileSync(join(project.dir, 'effects.log'), 'utf8').trim().split('\n');
    expect(lines.sort()).toEqual(
      ['hook freeze', 'hook page', 'hook thaw', 'retire r2', 'shift r1 100', 'shift r2 0', 'start v1 r1'].sort(),
    );
    expect(done.steps.map((s) => s.status)).toEqual(['done', 'done', 'done', 'done', 'done', 'done']);
    expect(done.steps[2]?.attempts).toBe(2);
    expect(done.journal.filter((j) => j.stepIndex === 2).map((j) => j.status)).toEqual(['interrupted', 'done']);
    expect(done.journal.filter((j) => j.stepIndex !== 2).every((j) => j.attempt === 1 && j.status === 'done')).toBe(
      true,
    );
    const events = (await (
      await apiFetch(`${second.url}/v1/events?rollbackId=${rollback.id}`, {}, admin())
    ).json()) as {
      type: string;
    }[];
    expect(events.map((e) => e.type)).toContain('rollback.step-resumed');
    expect(existsSync(join(project.dir, 'state', 'state.db'))).toBe(true);
  });

  it('two concurrent undo requests: one runs, the other gets 409', async () => {
    project = tempProject();
    project.write('rewind.yaml', config(join(project.dir, 'state')));
    for (const version of ['v1', 'v2'])
      expect(
        (await runCli(['deploy', 'api', version, '--controller', 'http://127.0.0.1:9'], { cwd: project.dir })).code,
      ).toBe(0);
    writeFileSync(join(project.dir, 'slow'), '');
    const serve = await startServe(project, await freePort());
    serves.push(serve);
    const undo = () => apiFetch(`${serve.url}/v1/undo`, { method: 'POST', json: { service: 'api' } }, admin());
    const answers = await Promise.all([undo(), undo()]);
    expect(answers.map((a) => a.status).sort()).toEqual([202, 409]);
    const refused = answers.find((a) => a.status === 409);
    expect(await refused?.json()).toMatchObject({
      error: { code: 'CONFLICT', message: expect.stringContaining('already in progress') },
    });
    const list = (await (await apiFetch(`${serve.url}/v1/rollbacks?service=api`, {}, admin())).json()) as unknown[];
    expect(list).toHaveLength(1);
  });
});
