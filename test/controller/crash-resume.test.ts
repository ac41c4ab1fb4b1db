import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, runCli, startServe, tempProject } from '../helpers/cli.js';
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
describe('one active rollback per service and environment', () => {
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
