/**
 * The builtin front door's supervisor SIGKILLed while no controller runs, under
 * ~200 requests/s of GET and POST from a separate client: its worker serves on
 * and hands the listening socket to a successor supervisor it forks, so no
 * request fails and the front door never stops listening. Afterwards there is
 * one front door (a new supervisor and its worker, the old worker gone) that a
 * starting controller adopts, and `rewind down` stops it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, runCli, startServe, tempProject, waitFor } from '../helpers/cli.js';
import { whoAnswers } from '../local-app/harness.js';
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
let loading: { stop(): Promise<unknown> } | null = null;
afterEach(async () => {
  await loading?.stop();
  loading = null;
  await serve?.kill('SIGKILL');
  serve = null;
  if (project) await runCli(['down'], { cwd: project.dir });
  project?.cleanup();
});

describe('the builtin front door when its supervisor dies', () => {
  it('serves on through a successor supervisor, without a controller and without a failed request', async () => {
    project = tempProject('rewind-fd-supervisor-');
    const dir = project.dir;
    const ports = { controller: await freePort(), front: await freePort() };
    writeProject(project, ports, 'builtin');
    const cli = (...args: string[]) => runCli(args, { cwd: dir });
    serve = await startServe(project, ports.controller);
    expect((await cli('deploy', 'web', 'v1')).code).toBe(0);
    await serve.kill('SIGTERM');
    serve = null;
    const before = frontDoorRun(project);
    expect(before?.workerPid).toBeGreaterThan(0);

    const load = await startLoad(ports.front, 200);
    loading = load;
    await sleep(1500);
    process.kill(before?.pid as number, 'SIGKILL');
    const after = await waitFor(
      'a successor supervisor to write the run file',
      async () => {
        const run = frontDoorRun(project as Project);
        return run && run.pid !== before?.pid ? run : null;
      },
      20_000,
      20,
    );
    // the old worker finishes what it had in flight and goes
    await waitFor('the old worker to exit', async () => startTime(before?.workerPid as number) === null, 40_000);
    await sleep(1000);
    const stats = await load.stop();
    loading = null;
    expect(stats.errors).toEqual({});
    expect(stats.failed).toBe(0);
    expect(stats.answered).toBeGreaterThan(300);
    console.log(
      `supervisor ${before?.pid} SIGKILLed: successor ${after.pid} (worker ${after.workerPid}); ${stats.answered} answered, longest gap ${stats.longestGapMs} ms`,
    );
    expect(listeningSockets(ports.front)).toBe(1);
    expect(frontDoorProcesses(project, 'builtin').sort()).toEqual([after.pid, after.workerPid].sort());

    // the successor is adopted like any front door, with the weights it was given
    serve = await startServe(project, ports.controller);
    expect(frontDoorRun(project)?.pid).toBe(after.pid);
    expect(await whoAnswers(ports.front)).toBe('v1');
    expect((await cli('deploy', 'web', 'v2')).code).toBe(0);
    const answers = await Promise.all(Array.from({ length: 20 }, () => whoAnswers(ports.front)));
    expect(new Set(answers)).toEqual(new Set(['v2']));
    await serve.kill('SIGTERM');
    serve = null;
    expect((await cli('down')).code).toBe(0);
    expect(listeningSockets(ports.front)).toBe(0);
    expect(frontDoorProcesses(project, 'builtin')).toEqual([]);
  }, 180_000);
});
