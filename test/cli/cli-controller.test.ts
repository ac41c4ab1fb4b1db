import { afterEach, describe, expect, it } from 'vitest';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, runCli, startServe, tempProject } from '../helpers/cli.js';
import { platformDriver } from '../helpers/configs.js';
import { apiFetch } from '../helpers/api.js';

let project: Project;
let serve: Serve | null = null;
afterEach(async () => {
  await serve?.kill('SIGKILL');
  serve = null;
  project?.cleanup();
});

describe('the CLI talks to a running controller', () => {
  it('serve + deploy + undo --json + rollback show --json; SIGTERM drains and exits 0', async () => {
    project = tempProject();
    const port = await freePort();
    project.write(
      'rewind.yaml',
      `version: 1
controller: { stateDir: state, listen: "127.0.0.1:${port}" }
environments: { production: {} }
services:
  api:
${platformDriver('platform.json', false)}    postRollback: { watch: 0s }
`,
    );
    serve = await startServe(project, port);
    // the admin (admin.token, written by serve) makes a token for CI; CI acts with it alone
    const created = await runCli(['token', 'create', 'ci-bot', '--role', 'operator', '--json'], { cwd: project.dir });
    expect(created.code, created.stderr).toBe(0);
    const { token } = JSON.parse(created.stdout) as { token: string };
    const cli = (...args: string[]) => runCli(args, { cwd: project.dir, env: { REWIND_TOKEN: token } });
    expect((await cli('deploy', 'api', 'v1')).code).toBe(0);
    expect((await cli('deploy', 'api', 'v2')).code).toBe(0);
    const undo = await cli('undo', 'api', '--wait-stable', '--json');
    expect(undo.code, undo.stderr).toBe(0);
    const { rollback } = JSON.parse(undo.stdout);
    expect(rollback).toMatchObject({ status: 'succeeded', requestedBy: 'ci-bot' });
    const show = await cli('rollback', 'show', rollback.id, '--json');
    const detail = JSON.parse(show.stdout);
    expect(detail.steps.map((s: { name: string; status: string }) => `${s.name}:${s.status}`)).toEqual([
      'start:done',
      'shift-traffic:done',
      'retire:done',
    ]);
    expect(detail.journal).toHaveLength(3);
    // bad input over the API is a 4xx with a message, never a 5xx
    const bad = await apiFetch(
      `${serve.url}/v1/undo`,
      { method: 'POST', json: { service: 'api', toRevision: 'two' } },
      { dir: project.dir, stateDir: `${project.dir}/state` },
    );
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      error: { code: expect.any(String), message: expect.stringContaining('toRevision') },
    });
    const missing = await apiFetch(
      `${serve.url}/v1/rollbacks/rb_nope`,
      {},
      { dir: project.dir, stateDir: `${project.dir}/state` },
    );
    expect(missing.status).toBe(404);
    const exited = new Promise<number | null>((resolve) => serve?.child.once('exit', (code) => resolve(code)));
    serve.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(serve.output()).toContain('SIGTERM: stopping the controller within');
    expect(serve.output()).toContain('front doors and instances keep serving');
  });
});
