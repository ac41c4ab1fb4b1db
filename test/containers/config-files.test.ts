/**
 * `configFiles` of the container driver on a real podman engine: each release
 * mounts its own read-only copy of the file made at its first start, so a
 * rollback to a release whose container is created afresh reads that release's
 * config, not the file as it is on disk now.
 */
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RewindEvent } from '../../src/core/model.js';
import { apiFetch } from '../helpers/api.js';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, runCli, startServe, tempProject, waitFor } from '../helpers/cli.js';
import { podmanAvailable, startPodman, type Podman } from '../harness/podman.js';
import { containerProject, containers, ofRevision, whoAnswers } from './harness.js';

const available = podmanAvailable();
const MOUNT = '/etc/app/conf.json';
const A = '{ "color": "blue", "apiKey": "k-secret-A" }\n';
const B = '{ "color": "green", "apiKey": "k-secret-B" }\n';

let podman: Podman;
let project: Project;
let serve: Serve | null = null;
let ports: { controller: number; front: number };
const cli = (...args: string[]) => runCli(args, { cwd: project.dir });

/** runs node inside the release's running container; resolves its stdout, or `failed: …` */
async function inside(revision: number, script: string): Promise<string> {
  const [row] = ofRevision(await containers(podman), revision).filter((r) => r.state === 'running');
  if (!row) return `no running container of r${revision}`;
  return podman.cli(['exec', row.id, '/usr/bin/node', '-e', script]).catch((e: Error) => `failed: ${e.message}`);
}
const read = (revision: number) =>
  inside(revision, `process.stdout.write(require('fs').readFileSync('${MOUNT}','utf8'))`);

describe.skipIf(!available)('container configFiles on a real podman engine', () => {
  beforeAll(async () => {
    podman = await startPodman();
    await podman.buildImage('localhost/app:v1');
    await podman.buildImage('localhost/app:v2');
    project = tempProject('rewind-container-config-');
    ports = { controller: await freePort(), front: await freePort() };
    containerProject(project, podman, ports, {
      rollbackWindow: '2s',
      driverExtra: `      configFiles: [{ file: conf/app.json, mountAt: ${MOUNT} }]\n`,
    });
    serve = await startServe(project, ports.controller);
  }, 120_000);

  afterAll(async () => {
    await serve?.kill('SIGTERM');
    await podman?.stop();
    project?.cleanup();
  }, 120_000);

  it('a rollback to a re-created v1 mounts v1’s own copy (A) though the file on disk is B; read-only', async () => {
    mkdirSync(join(project.dir, 'conf'));
    project.write('conf/app.json', A);
    const v1 = await cli('deploy', 'web', 'v1', '--watch');
    expect(v1.code, v1.stdout + v1.stderr).toBe(0);
    expect(await read(1)).toBe(A);
    // the release's own copy, owner-only, under the state dir
    const copy = join(project.dir, 'state/releases/web-production-r1/config', MOUNT);
    expect([readFileSync(copy, 'utf8'), statSync(copy).mode & 0o777]).toEqual([A, 0o600]);
    const write = await inside(1, `require('fs').writeFileSync('${MOUNT}','changed')`);
    expect(write).toMatch(/failed: .*EROFS|read-only/i);
    expect(await read(1)).toBe(A);

    project.write('conf/app.json', B);
    const v2 = await cli('deploy', 'web', 'v2', '--watch');
    expect(v2.code, v2.stdout + v2.stderr).toBe(0);
    expect(await read(2)).toBe(B);
    // past the rollback window v1 is stopped; removing it makes the rollback create it afresh
    await waitFor('v1 to be stopped', async () =>
      ofRevision(await containers(podman), 1).every((r) => r.state === 'exited'),
    );
    for (const row of ofRevision(await containers(podman), 1)) await podman.cli(['rm', '--force', row.id]);

    const undo = await cli(
      'undo',
      'web',
      '--to-revision',
      '1',
      '--yes',
      '--wait-stable',
      '--reason',
      'config B is bad',
    );
    expect(undo.code, undo.stdout + undo.stderr).toBe(0);
    expect(await read(1)).toBe(A);
    expect(await whoAnswers(ports.front)).toBe('v1');
    expect(readFileSync(join(project.dir, 'conf/app.json'), 'utf8')).toBe(B);

    // the deploy events name the file and its checksum; no content reaches an event
    const response = await apiFetch(`${serve?.url}/v1/events?service=web&limit=1000`, {}, project);
    const events = (await response.json()) as RewindEvent[];
    const kept = events.filter((e) => e.type === 'config.snapshotted');
    expect(kept.map((e) => e.revision).sort()).toEqual([1, 2]);
    expect(JSON.stringify(kept[0]?.data)).toMatch(/"path":"conf\/app.json","sha256":"[0-9a-f]{64}"/);
    expect(JSON.stringify(events)).not.toMatch(/k-secret-[AB]/);
  }, 120_000);

  it('a deploy whose config file is missing fails naming it; nothing is started', async () => {
    rmSync(join(project.dir, 'conf/app.json'));
    const before = (await containers(podman)).length;
    // v2 was rolled back above (quarantined): --force deploys it again
    const missing = await cli('deploy', 'web', 'v2', '--force', '--watch');
    expect(missing.code, missing.stdout + missing.stderr).toBe(1);
    expect(missing.stdout + missing.stderr).toContain('conf/app.json');
    expect((await containers(podman)).length).toBe(before);
    expect(await whoAnswers(ports.front)).toBe('v1');
  }, 60_000);
});

describe('container configFiles in rewind.yaml', () => {
  it('refuses a relative mountAt and a file listed twice, at their line:col', async () => {
    const dir = tempProject('rewind-container-config-check-');
    dir.write(
      'rewind.yaml',
      `version: 1
environments: { production: {} }
services:
  web:
    driver:
      type: container
      image: app:{version}
      listen: 127.0.0.1:18080
      configFiles: [{ file: a.json, mountAt: etc/a.json }, { file: a.json, mountAt: /a.json }]
`,
    );
    const checked = await runCli(['validate'], { cwd: dir.dir });
    dir.cleanup();
    expect(checked.code).toBe(2);
    expect(checked.stdout + checked.stderr).toContain(
      'rewind.yaml:9:46 services.web.driver.configFiles[0].mountAt: expected an absolute path inside the container',
    );
    expect(checked.stdout + checked.stderr).toContain('services.web.driver.configFiles: each file may appear once');
  });
});
