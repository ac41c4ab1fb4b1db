/**
 * A builtin front door that serves but cannot be adopted is handed over, with
 * real processes and ~200 requests/s of GET and POST from a separate client:
 * its run file names another control protocol (what an upgrade of Rewind that
 * changed it finds), or it was started with other switch options
 * (upstreamTimeout changed before the restart). Its worker hands the listening
 * socket to the new controller's supervisor: no request fails; afterwards one
 * socket listens, one front door runs (a supervisor and its worker), the new
 * worker answers the control channel in the current protocol, and a deploy
 * moves every request.
 */
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
afterEach(async () => {
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
});
