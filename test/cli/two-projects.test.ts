/**
 * One controller, one project: a second project whose rewind.yaml points at the
 * same address refuses to act on the first project's controller (exit 2, both
 * config paths named), and the first project's history is unchanged.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { localProject } from '../local-app/harness.js';
import { apiFetch } from '../helpers/api.js';
import type { Project, Serve } from '../helpers/cli.js';
import { BIN, freePort, runCli, startServe, tempProject, waitFor } from '../helpers/cli.js';

const projects: Project[] = [];
let serve: Serve | undefined;
afterAll(async () => {
  await serve?.kill('SIGTERM');
  for (const p of projects) p.cleanup();
});

describe('two projects, one port', () => {
  it("the second project's CLI refuses the first project's controller", async () => {
    const ports = { controller: await freePort(), front: await freePort() };
    const first = tempProject('rewind-first-');
    const second = tempProject('rewind-second-');
    projects.push(first, second);
    localProject(first, ports);
    localProject(second, { controller: ports.controller, front: await freePort() });
    serve = await startServe(first, ports.controller);
    const inFirst = (...args: string[]) => runCli(args, { cwd: first.dir });
    const inSecond = (...args: string[]) => runCli(args, { cwd: second.dir });
    expect((await inFirst('deploy', 'web', 'v1')).code).toBe(0);

    const health = await apiFetch(`${serve.url}/healthz`, {}, { dir: first.dir, stateDir: join(first.dir, 'state') });
    const { project } = (await health.json()) as { project: { id: string; config: string } };
    expect(project).toEqual({ id: expect.stringMatching(/^prj_[0-9a-f]{16}$/), config: first.config });
    // every answer says whose it is, errors too
    const missing = await apiFetch(
      `${serve.url}/v1/status/nope`,
      {},
      { dir: first.dir, stateDir: join(first.dir, 'state') },
    );
    expect(missing.status).toBeGreaterThanOrEqual(400);
    expect(missing.headers.get('x-rewind-project')).toBe(project.id);

    const refused = await inSecond('deploy', 'web', 'v2', '--json');
    expect(refused.code).toBe(2);
    expect(JSON.parse(refused.stdout).error.code).toBe('OTHER_PROJECT');
    expect(refused.stderr).toContain(first.config);
    expect(refused.stderr).toContain(second.config);
    expect((await inSecond('status', 'web')).code).toBe(2);
    expect((await inSecond('db', 'status')).code).toBe(2);

    const history = JSON.parse((await inFirst('history', 'web', '--json')).stdout) as { version: string }[];
    expect(history.map((r) => r.version)).toEqual(['v1']);

    // status --watch follows changes: one JSON line each time the status changed
    const watcher = spawn(process.execPath, [BIN, 'status', 'web', '--watch', '--json'], {
      cwd: first.dir,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let lines = '';
    watcher.stdout.on('data', (chunk: Buffer) => (lines += chunk.toString()));
    const live = () =>
      lines
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { live: { version: string } }).live.version);
    await waitFor('the first status line', async () => live().length > 0);
    expect((await inFirst('deploy', 'web', 'v2')).code).toBe(0);
    await waitFor('the change to v2', async () => live().includes('v2'));
    watcher.kill('SIGTERM');
    expect(live()[0]).toBe('v1');
  }, 60_000);
});
