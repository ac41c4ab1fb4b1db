/**
 * The container driver against a real engine: Debian's podman (runc) serving the
 * Docker Engine API, `rewind serve` and the CLI as a user runs them. One engine
 * and one controller for the file; the tests run in order on the same service.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, runCli, startServe, tempProject, waitFor } from '../helpers/cli.js';
import { podmanAvailable, startPodman, type Podman } from '../harness/podman.js';
import { containerProject, containers, loadFront, ofRevision, whoAnswers } from './harness.js';

const available = podmanAvailable();
const DIGEST = /^localhost\/app@sha256:[0-9a-f]{64}$/;
/** loaded before the app (NODE_OPTIONS): 3 s after start it takes 8 MiB every 50 ms until the limit kills it */
const HOG = Buffer.from(
  "const held=[];setTimeout(()=>setInterval(()=>{held.push(Buffer.alloc(8<<20,1));console.log('allocated '+held.length*8+' MiB')},50),3000);",
).toString('base64');

let podman: Podman;
let project: Project;
let serve: Serve | null = null;
let ports: { controller: number; front: number };
const cli = (...args: string[]) => runCli(args, { cwd: project.dir });
const history = async () =>
  JSON.parse((await cli('history', 'web', '--json')).stdout) as {
    revision: number;
    version: string;
    status: string;
    artifact: string | null;
  }[];
const rollbackDone = (id: string) =>
  waitFor(
    `rollback ${id} to finish`,
    async () => {
      const detail = JSON.parse((await cli('rollback', 'show', id, '--json')).stdout) as { status: string };
      return detail.status === 'succeeded' || detail.status === 'failed' ? detail : null;
    },
    60_000,
    250,
  );

describe.skipIf(!available)('container driver on a real podman engine', () => {
  beforeAll(async () => {
    podman = await startPodman();
    await podman.buildImage('localhost/app:v1');
    await podman.buildImage('localhost/app:v2', { FAULT: 'error-rate', FAULT_ERROR_RATE: '0.2' });
    await podman.buildImage('localhost/app:v3');
    await podman.buildImage('localhost/app:v4', { FAULT: 'crash', FAULT_AFTER_MS: '3000' });
    await podman.buildImage('localhost/app:v5', { NODE_OPTIONS: `--import=data:text/javascript;base64,${HOG}` });
    project = tempProject('rewind-containers-');
    ports = { controller: await freePort(), front: await freePort() };
    containerProject(project, podman, ports, { rollbackWindow: '3s', driverExtra: '      memory: 128m\n' });
    serve = await startServe(project, ports.controller);
  }, 180_000);

  afterAll(async () => {
    await serve?.kill('SIGTERM');
    await podman?.stop();
    project?.cleanup();
  }, 120_000);

  it('rolls a release serving 20% 500s back to the warm one; digests recorded and run', async () => {
    const first = await cli('deploy', 'web', 'v1', '--watch');
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const [v1] = ofRevision(await containers(podman), 1);
    expect(v1?.state).toBe('running');
    expect(v1?.labels['dev.rewind.service']).toBe('web');
    expect(await whoAnswers(ports.front)).toBe('v1');

    const load = loadFront(ports.front);
    const watched = await cli('deploy', 'web', 'v2', '--watch', '--json');
    expect(watched.code, watched.stdout + watched.stderr).toBe(3);
    const { rollbackId } = JSON.parse(watched.stdout) as { rollbackId: string };
    expect((await rollbackDone(rollbackId)).status).toBe('succeeded');
    const answers = await load.stop();

    // the switch failed nothing: every answer came from a release (v2's own 500s included)
    expect(answers.filter((a) => a !== 'v1' && a !== 'v2' && a !== 'status 500 from v2')).toEqual([]);
    expect(answers.filter((a) => a === 'status 500 from v2').length).toBeGreaterThan(0);
    expect(await whoAnswers(ports.front)).toBe('v1');
    const rows = await containers(podman);
    // v1's container served before, during and after: the same container, never restarted
    expect(ofRevision(rows, 1).map((r) => [r.id, r.state])).toEqual([[v1?.id, 'running']]);
    expect(ofRevision(rows, 2).map((r) => r.state)).toEqual(['exited']);

    const releases = await history();
    const r1 = releases.find((r) => r.revision === 1);
    expect(r1?.artifact).toMatch(DIGEST);
    expect(releases.find((r) => r.revision === 2)?.artifact).toMatch(DIGEST);
    expect(ofRevision(rows, 1)[0]?.labels['dev.rewind.image']).toBe(r1?.artifact);
    const pinned = (await podman.cli(['image', 'inspect', '--format', '{{.Id}}', r1?.artifact ?? ''])).trim();
    expect(ofRevision(rows, 1)[0]?.imageId).toBe(pinned);
  }, 180_000);

  it('fails a deploy of a missing image at start, naming it; live release and traffic untouched', async () => {
    const load = loadFront(ports.front, 2);
    const missing = await cli('deploy', 'web', 'v9', '--watch');
    const answers = await load.stop();
    expect(missing.code).toBe(1);
    expect(missing.stdout + missing.stderr).toContain('localhost/app:v9');
    expect(answers.length).toBeGreaterThan(0);
    expect(answers.filter((a) => a !== 'v1')).toEqual([]);
    expect((await history()).find((r) => r.revision === 1)?.status).toBe('live');
    expect(ofRevision(await containers(podman), 1).map((r) => r.state)).toEqual(['running']);
  }, 120_000);

  it('rolls back a release whose container exits after 3 s; the report quotes its last log lines', async () => {
    const watched = await cli('deploy', 'web', 'v4', '--watch', '--json');
    expect(watched.code, watched.stdout + watched.stderr).toBe(3);
    const { rollbackId } = JSON.parse(watched.stdout) as { rollbackId: string };
    await rollbackDone(rollbackId);
    const report = await cli('report', rollbackId, '--format', 'md');
    expect(report.stdout).toContain('injected fault: crash after 3000ms');
    expect(report.stdout).toContain('crash-loop');
    // the failed release's logs, read from the engine before its container was stopped
    const json = JSON.parse((await cli('report', rollbackId, '--json')).stdout) as {
      logs: { instance: string; release: string; lines: string[]; firstFailure: number | null }[];
    };
    const crashed = json.logs.find((l) => l.lines.includes('injected fault: crash after 3000ms'));
    expect(crashed?.release).toBe('v4');
    // the sample app's start line already says `fault=crash`, so the excerpt's first failure is at or before the crash line
    const crashLine = crashed?.lines.indexOf('injected fault: crash after 3000ms') ?? -1;
    expect(crashed?.firstFailure ?? -1).toBeGreaterThanOrEqual(0);
    expect(crashed?.firstFailure ?? Infinity).toBeLessThanOrEqual(crashLine);
    expect(await whoAnswers(ports.front)).toBe('v1');
  }, 120_000);

  it('rolls back a release OOM-killed under its memory limit; the report quotes its last log lines', async () => {
    const watched = await cli('deploy', 'web', 'v5', '--watch', '--json');
    expect(watched.code, watched.stdout + watched.stderr).toBe(3);
    const { rollbackId, release } = JSON.parse(watched.stdout) as { rollbackId: string; release: { revision: number } };
    expect((await rollbackDone(rollbackId)).status).toBe('succeeded');
    const report = (await cli('report', rollbackId, '--format', 'md')).stdout;
    expect(report).toMatch(/allocated \d+ MiB/);
    // the engine restarted it within a second: the report shows the restart and what it wrote last
    expect(report).toMatch(/rewind-web-production-r\d+-0-\w+: \w+, exit code \d+[^,]*, [1-9]\d* restarts/);
    expect(report).toContain('crash-loop');
    expect(await whoAnswers(ports.front)).toBe('v1');
    const [row] = ofRevision(await containers(podman), release.revision);
    const [state] = JSON.parse(await podman.cli(['inspect', row?.id ?? ''])) as {
      State: { ExitCode: number; OOMKilled: boolean };
      HostConfig: { Memory: number };
    }[];
    expect(state?.HostConfig.Memory).toBe(128 * 1024 ** 2);
    // podman 4.3 with runc on cgroup v1 kills at the limit but may not set OOMKilled: say what it said
    console.log(`engine after the memory kill: exit ${state?.State.ExitCode}, OOMKilled ${state?.State.OOMKilled}`);
  }, 120_000);

  it('a tag moved to other bytes after deploy: a rollback still runs the recorded digest', async () => {
    const r1 = (await history()).find((r) => r.revision === 1);
    const original = (await podman.cli(['image', 'inspect', '--format', '{{.Id}}', r1?.artifact ?? ''])).trim();
    // the tag now names an image that crashes at once
    await podman.buildImage('localhost/app:v1', { FAULT: 'crash', FAULT_AFTER_MS: '0' });
    const v3 = await cli('deploy', 'web', 'v3', '--watch');
    expect(v3.code, v3.stdout + v3.stderr).toBe(0);
    // after rollbackWindow the warm v1 is stopped (kept); remove it too, so the rollback must create it afresh
    await waitFor('v1 to be stopped', async () =>
      ofRevision(await containers(podman), 1).every((r) => r.state === 'exited'),
    );
    for (const row of ofRevision(await containers(podman), 1)) await podman.cli(['rm', '--force', row.id]);
    const undo = await cli('undo', 'web', '--to-revision', '1', '--yes', '--wait-stable', '--reason', 'back to v1');
    expect(undo.code, undo.stdout + undo.stderr).toBe(0);
    const rows = ofRevision(await containers(podman), 1);
    expect(rows.map((r) => [r.state, r.imageId])).toEqual([['running', original]]);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await whoAnswers(ports.front)).toBe('v1');
    expect(ofRevision(await containers(podman), 1).map((r) => r.state)).toEqual(['running']);
  }, 180_000);

  it('after a SIGKILL in the middle of a rollback the next controller adopts by label, makes no duplicates and leaves unlabelled containers alone', async () => {
    const outsider = (
      await podman.cli(['run', '-d', '--name', 'not-rewinds', 'localhost/app:v3', '/usr/bin/node', '/app/server.js'])
    ).trim();
    const before = Math.max(...(await history()).map((r) => r.revision));
    // the bad release's 500s are only seen under traffic
    const load = loadFront(ports.front, 2);
    // the CLI loses its controller half-way: its own answer does not matter
    let deployed = '';
    const deploying = cli('deploy', 'web', 'v2', '--force', '--watch').then(
      (r) => void (deployed = `exit ${r.code}: ${r.stdout}${r.stderr}`),
    );
    const rollback = await waitFor(
      'the automatic rollback to start',
      async () => {
        // straight from the API: a CLI process per look is slower than a short rollback
        const token = readFileSync(join(project.dir, 'state', 'admin.token'), 'utf8').trim();
        const answer = await fetch(`${serve?.url}/v1/rollbacks?service=web`, {
          headers: { authorization: `Bearer ${token}` },
        });
        const list = (await answer.json()) as { id: string; status: string; fromRevision: number }[];
        const found = list.find((r) => r.fromRevision > before);
        if (!found && deployed) throw new Error(`the deploy ended without a rollback: ${deployed}`);
        return found?.status === 'running' ? found : null;
      },
      60_000,
      20,
    ).catch(async (error: unknown) => {
      const list = (await cli('rollbacks')).stdout;
      throw new Error(`${(error as Error).message}\n${list}\n${(await cli('history', 'web')).stdout}`);
    });
    await serve?.kill('SIGKILL');
    serve = await startServe(project, ports.controller);
    await deploying;
    expect((await rollbackDone(rollback.id)).status).toBe('succeeded');
    await load.stop();
    const rows = await containers(podman);
    const live = (await history()).find((r) => r.status === 'live');
    const running = rows.filter((r) => r.state === 'running' && r.labels['dev.rewind.service'] === 'web');
    expect(running.map((r) => r.labels['dev.rewind.revision'])).toEqual([String(live?.revision)]);
    expect(rows.filter((r) => r.labels['dev.rewind.revision'] === String(rollback.fromRevision)).length).toBe(1);
    expect(rows.find((r) => r.id === outsider)?.state).toBe('running');
    expect(await whoAnswers(ports.front)).toBe(live?.version);
  }, 180_000);
});
