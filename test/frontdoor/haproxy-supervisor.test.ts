/**
 * HAProxy under its own supervisor, with real processes and no controller
 * running: HAProxy SIGKILLed under ~200 requests/s answers again from the
 * same release (its servers and weights put back from the file beside its run
 * file) with no connection refused (the supervisor holds the listening socket)
 * and no 503, and a controller that starts later adopts it — the same supervisor,
 * one listener, and a deploy then moves every request. When the supervisor
 * itself is killed, the HAProxy it leaves serves on until a controller (the
 * next one, or the one running) replaces it: never two HAProxies on the port.
 * `rewind down` stops all.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { findHaproxy } from '../../src/proxy/haproxy/index.js';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, runCli, startServe, tempProject, waitFor } from '../helpers/cli.js';
import { requirePart } from '../harness/free-port.js';
import type { RunFile } from './harness.js';
import {
  frontDoorProcesses,
  answersAll,
  frontDoorRun,
  listeningSockets,
  sleep,
  startLoad,
  startTime,
  writeProject,
} from './harness.js';

let project: Project | undefined;
let serve: Serve | null = null;
let loading: { stop(): Promise<unknown> } | null = null;
afterEach(async () => {
  await loading?.stop();
  loading = null;
  await serve?.kill('SIGKILL');
  serve = null;
  if (project) await runCli(['down'], { cwd: project.dir });
  project?.cleanup();
});

describe('HAProxy under its supervisor', () => {
  it('comes back after a SIGKILL with no controller running, and a later controller adopts it', async (ctx) => {
    requirePart(ctx, findHaproxy(), 'Debian haproxy (/usr/sbin/haproxy)');
    project = tempProject('rewind-fd-haproxy-sup-');
    const dir = project.dir;
    const ports = { controller: await freePort(), front: await freePort() };
    writeProject(project, ports, 'haproxy');
    const cli = (...args: string[]) => runCli(args, { cwd: dir });
    serve = await startServe(project, ports.controller);
    expect((await cli('deploy', 'web', 'v1')).code).toBe(0);
    await serve.kill('SIGKILL');
    serve = null;
    const before = frontDoorRun(project) as RunFile;
    expect(before.workerPid).toBeGreaterThan(0);
    expect(before.workerPid).not.toBe(before.pid);

    const load = await startLoad(ports.front, 200);
    loading = load;
    await sleep(1500);
    process.kill(before.workerPid as number, 'SIGKILL');
    const killedAt = Date.now();
    const after = await waitFor(
      'a fresh HAProxy under the same supervisor',
      async () => {
        const run = frontDoorRun(project as Project);
        return run && run.workerPid !== before.workerPid ? run : null;
      },
      20_000,
      20,
    );
    await waitFor('v1 to answer again', () => answersAll(ports.front, 'v1'), 20_000, 20);
    const backAfterMs = Date.now() - killedAt;
    await sleep(1000);
    const stats = await load.stop();
    loading = null;
    console.log(
      `haproxy ${before.workerPid} SIGKILLed, no controller: ${after.workerPid} serves v1 after ${backAfterMs} ms; ` +
        `${stats.failed} of ${stats.sent} requests failed ${JSON.stringify(stats.errors)}, longest gap ${stats.longestGapMs} ms`,
    );
    // the socket stayed open under the supervisor and the saved servers were there from HAProxy's start:
    // no connection refused and no 503 (only requests in flight in the killed HAProxy may fail)
    expect(stats.errors.ECONNREFUSED).toBeUndefined();
    expect(stats.errors['503']).toBeUndefined();
    expect(after.pid).toBe(before.pid);
    expect(startTime(before.workerPid as number)).toBeNull();
    expect(stats.byRelease).toEqual({ v1: stats.answered });
    expect(listeningSockets(ports.front)).toBe(1);
    expect(frontDoorProcesses(project, 'haproxy').sort()).toEqual([after.pid, after.workerPid].sort());

    // a controller that starts now adopts it: same supervisor and HAProxy, and a deploy moves all traffic
    serve = await startServe(project, ports.controller);
    expect(frontDoorRun(project)?.pid).toBe(before.pid);
    expect(frontDoorRun(project)?.workerPid).toBe(after.workerPid);
    expect((await cli('deploy', 'web', 'v2')).code).toBe(0);
    expect(await answersAll(ports.front, 'v2')).toBe(true);
    expect(listeningSockets(ports.front)).toBe(1);
    await serve.kill('SIGKILL');
    serve = null;

    // the supervisor killed: its HAProxy serves on alone; the next controller replaces it (one owner of the port)
    process.kill(before.pid, 'SIGKILL');
    await sleep(300);
    expect(startTime(after.workerPid as number)).not.toBeNull();
    expect(await answersAll(ports.front, 'v2')).toBe(true);
    serve = await startServe(project, ports.controller);
    const replaced = await waitFor(
      'the controller to start a fresh HAProxy',
      async () => {
        const run = frontDoorRun(project as Project);
        return run && run.pid !== before.pid ? run : null;
      },
      20_000,
      20,
    );
    expect(startTime(after.workerPid as number)).toBeNull();
    expect(await answersAll(ports.front, 'v2')).toBe(true);
    expect(listeningSockets(ports.front)).toBe(1);
    expect(frontDoorProcesses(project, 'haproxy').sort()).toEqual([replaced.pid, replaced.workerPid].sort());

    // the same with a controller running: it notices, stops the HAProxy left alone and starts a supervised one
    process.kill(replaced.pid, 'SIGKILL');
    const again = await waitFor(
      'the running controller to replace the front door',
      async () => {
        const run = frontDoorRun(project as Project);
        return run && run.pid !== replaced.pid ? run : null;
      },
      20_000,
      20,
    );
    expect(startTime(replaced.workerPid as number)).toBeNull();
    await waitFor('v2 to answer again', () => answersAll(ports.front, 'v2'), 20_000, 20);
    expect(listeningSockets(ports.front)).toBe(1);
    expect(frontDoorProcesses(project, 'haproxy').sort()).toEqual([again.pid, again.workerPid].sort());

    await serve.kill('SIGTERM');
    serve = null;
    expect((await cli('down')).code).toBe(0);
    expect(listeningSockets(ports.front)).toBe(0);
    expect(frontDoorProcesses(project, 'haproxy')).toEqual([]);
  }, 180_000);
});
