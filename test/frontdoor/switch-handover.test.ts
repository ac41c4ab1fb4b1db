/**
 * A builtin front door that serves but cannot be adopted is handed over, with
 * real processes and ~200 requests/s of GET and POST from a separate client:
 * its run file names another control protocol (what an upgrade of Rewind that
 * changed it finds), or it was started with other switch options
 * (upstreamTimeout changed before the restart). Its worker hands the listening
 * socket to the new controller's supervisor: no request fails; afterwards one
 * socket listens, one front door runs (a supervisor and its worker), the new
 * worker answers the control channel in the current protocol, and a deploy
 * moves every request. A switch that takes no hand-over (an older Rewind's,
 * which answers "unknown operation") is stopped, then a fresh one started.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { controlCall } from '../../src/proxy/front-door/control-channel.js';
import type { FrontDoorState } from '../../src/proxy/front-door/control-channel.js';
import { CONTROL_PROTOCOL } from '../../src/proxy/front-door/files.js';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, runCli, startServe, tempProject, waitFor } from '../helpers/cli.js';
import { whoAnswers } from '../local-app/harness.js';
import type { LoadStats, RunFile } from './harness.js';
import {
  frontDoorProcesses,
  frontDoorRun,
  listeningSockets,
  sleep,
  startLoad,
  startTime,
  writeProject,
} from './harness.js';

let project: Project | undefined;
let serve: Serve | null = null;
let loading: { stop(): Promise<LoadStats> } | null = null;
const strays: number[] = [];
afterEach(async () => {
  for (const pid of strays.splice(0)) if (startTime(pid) !== null) process.kill(pid, 'SIGKILL');
  await loading?.stop();
  loading = null;
  await serve?.kill('SIGKILL');
  serve = null;
  if (project) await runCli(['down'], { cwd: project.dir });
  project?.cleanup();
});

const file = (name: string): string => join((project as Project).dir, 'state/front-door/web', name);

/** A project serving v1 through the builtin switch, its controller SIGKILLed. */
async function servingV1(): Promise<{ ports: { controller: number; front: number }; before: RunFile }> {
  project = tempProject('rewind-fd-switchover-');
  const ports = { controller: await freePort(), front: await freePort() };
  writeProject(project, ports, 'builtin');
  serve = await startServe(project, ports.controller);
  expect((await runCli(['deploy', 'web', 'v1'], { cwd: project.dir })).code).toBe(0);
  await serve.kill('SIGKILL');
  serve = null;
  const before = frontDoorRun(project) as RunFile;
  expect(before.workerPid).toBeGreaterThan(0);
  return { ports, before };
}

/** Starts a controller under load; gives the run file of the front door it ends with and the load's figures. */
async function controllerUnderLoad(ports: { controller: number; front: number }, old: number[]) {
  const load = await startLoad(ports.front, 200);
  loading = load;
  await sleep(1500);
  serve = await startServe(project as Project, ports.controller);
  const after = await waitFor(
    'a new front door, the old one gone',
    async () => {
      const run = frontDoorRun(project as Project);
      return run && !old.includes(run.pid) && old.every((pid) => startTime(pid) === null) ? run : null;
    },
    40_000,
    20,
  );
  await sleep(1000);
  const stats = await load.stop();
  loading = null;
  console.log(
    `${stats.failed} of ${stats.sent} requests failed ${JSON.stringify(stats.errors)}, ` +
      `longest gap ${stats.longestGapMs} ms, by release ${JSON.stringify(stats.byRelease)}`,
  );
  return { after, stats };
}

/** One socket, one front door whose new worker answers the control channel in this protocol; v2 then moves all. */
async function oneOwner(ports: { front: number }, before: RunFile, after: RunFile): Promise<void> {
  expect(listeningSockets(ports.front)).toBe(1);
  expect(frontDoorProcesses(project as Project, 'builtin').sort()).toEqual([after.pid, after.workerPid].sort());
  expect(after.workerPid).not.toBe(before.workerPid);
  const state = await controlCall<FrontDoorState>(file('control.sock'), { op: 'state' });
  expect(state).toMatchObject({ protocol: CONTROL_PROTOCOL, pid: after.pid, workerPid: after.workerPid });
  expect(readFileSync(file('front-door.log'), 'utf8')).toContain(
    `a controller asked for a hand-over; successor ${after.pid} takes over the socket`,
  );
  expect((await runCli(['deploy', 'web', 'v2'], { cwd: (project as Project).dir })).code).toBe(0);
  const answers = await Promise.all(Array.from({ length: 20 }, () => whoAnswers(ports.front)));
  expect(new Set(answers)).toEqual(new Set(['v2']));
  expect(listeningSockets(ports.front)).toBe(1);
}

describe('a builtin front door that cannot be adopted', () => {
  it('of another control protocol: its worker hands the socket over, no request fails', async () => {
    const { ports, before } = await servingV1();
    const run = JSON.parse(readFileSync(file('run.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(file('run.json'), JSON.stringify({ ...run, protocol: CONTROL_PROTOCOL + 1 }));
    const { after, stats } = await controllerUnderLoad(ports, [before.pid, before.workerPid as number]);
    expect(stats.errors).toEqual({});
    expect(stats.failed).toBe(0);
    expect(stats.answered).toBeGreaterThan(300);
    expect(stats.byRelease).toEqual({ v1: stats.answered });
    await oneOwner(ports, before, after);
  }, 180_000);

  it('started with other options (upstreamTimeout changed): handed over the same way', async () => {
    const { ports, before } = await servingV1();
    const digest = (JSON.parse(readFileSync(file('run.json'), 'utf8')) as { optionsDigest?: string }).optionsDigest;
    expect(digest).toMatch(/^[0-9a-f]{16}$/);
    const yaml = readFileSync(join((project as Project).dir, 'rewind.yaml'), 'utf8');
    (project as Project).write(
      'rewind.yaml',
      yaml.replace('stopTimeout: 2s', 'stopTimeout: 2s\n      upstreamTimeout: 20s'),
    );
    const { after, stats } = await controllerUnderLoad(ports, [before.pid, before.workerPid as number]);
    expect(stats.errors).toEqual({});
    expect(stats.failed).toBe(0);
    expect(stats.byRelease).toEqual({ v1: stats.answered });
    const now = (JSON.parse(readFileSync(file('run.json'), 'utf8')) as { optionsDigest?: string }).optionsDigest;
    expect(now).toMatch(/^[0-9a-f]{16}$/);
    expect(now).not.toBe(digest);
    await oneOwner(ports, before, after);
  }, 180_000);

  it('of an older Rewind, which answers no hand-over: stopped, then a fresh one started; one owner after', async () => {
    const { ports, before } = await servingV1();
    process.kill(-before.pid, 'SIGKILL'); // the release instances serve on; the port is free
    await waitFor('the front door gone', async () => listeningSockets(ports.front) === 0, 10_000, 20);
    // a switch that holds the port and answers `state` in protocol 0 and nothing else, as one from before the hand-over
    const older = `const net = require('net'); const [sock, port] = process.argv.slice(1);
      require('fs').rmSync(sock, { force: true });
      net.createServer((s) => s.on('data', (d) => { const op = JSON.parse(String(d)).op;
        s.end(JSON.stringify(op === 'state' ? { ok: true, result: { protocol: 0 } }
          : { ok: false, error: 'unknown operation ' + JSON.stringify(op) }) + '\\n'); })).listen(sock);
      net.createServer().listen(Number(port), '127.0.0.1');`;
    const child = spawn(process.execPath, ['-e', older, file('control.sock'), String(ports.front)], {
      detached: true,
      stdio: 'ignore',
    });
    child.unref();
    const pid = child.pid as number;
    strays.push(pid);
    await waitFor('the older switch to listen', async () => listeningSockets(ports.front) === 1, 10_000, 20);
    const run = { service: 'web', router: 'builtin', pid, startTime: startTime(pid), host: '127.0.0.1' };
    writeFileSync(file('run.json'), JSON.stringify({ ...run, port: ports.front, protocol: 0, startedAt: Date.now() }));
    serve = await startServe(project as Project, ports.controller);
    const after = await waitFor(
      'a fresh front door',
      async () => {
        const found = frontDoorRun(project as Project);
        return found && found.pid !== pid && found.workerPid ? found : null;
      },
      30_000,
      20,
    );
    expect(startTime(pid)).toBeNull();
    expect(after.pid).not.toBe(pid);
    expect(readFileSync(file('front-door.log'), 'utf8')).not.toContain('asked for a hand-over');
    await waitFor('v1 served again', async () => (await whoAnswers(ports.front)) === 'v1', 10_000, 50);
    expect(listeningSockets(ports.front)).toBe(1);
    expect(frontDoorProcesses(project as Project, 'builtin').sort()).toEqual([after.pid, after.workerPid].sort());
    const state = await controlCall<FrontDoorState>(file('control.sock'), { op: 'state' });
    expect(state).toMatchObject({ protocol: CONTROL_PROTOCOL, pid: after.pid, workerPid: after.workerPid });
    expect((await runCli(['deploy', 'web', 'v2'], { cwd: (project as Project).dir })).code).toBe(0);
    const answers = await Promise.all(Array.from({ length: 20 }, () => whoAnswers(ports.front)));
    expect(new Set(answers)).toEqual(new Set(['v2']));
  }, 180_000);
});
