/**
 * The builtin front door's telemetry outlives its worker: with no controller
 * running, requests are counted by the worker, the worker is SIGKILLed, and
 * the fresh worker its supervisor starts reports at least the same counts per
 * release (it starts from the snapshot the dead one wrote beside the run file,
 * owner-only), and a controller that starts then reads them too.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { controlCall } from '../../src/proxy/front-door/control-channel.js';
import type { TelemetryExport } from '../../src/proxy/front-door/control-channel.js';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, runCli, startServe, tempProject, waitFor } from '../helpers/cli.js';
import { whoAnswers } from '../local-app/harness.js';
import type { RunFile } from './harness.js';
import { frontDoorRun, sleep, startTime, writeProject } from './harness.js';

let project: Project | undefined;
let serve: Serve | null = null;
afterEach(async () => {
  await serve?.kill('SIGKILL');
  serve = null;
  if (project) await runCli(['down'], { cwd: project.dir });
  project?.cleanup();
});

/** Requests counted per release by the front door itself, over its control channel. */
async function counted(dir: string): Promise<Record<string, number>> {
  const exported = await controlCall<TelemetryExport>(
    join(dir, 'state/front-door/web/control.sock'),
    { op: 'telemetry', since: 0 },
    5000,
  );
  return Object.fromEntries(
    Object.entries(exported.releases).map(([revision, { rows }]) => [
      revision,
      rows.reduce((sum, row) => sum + row[1], 0),
    ]),
  );
}

describe('the builtin front door when its worker dies', () => {
  it('a fresh worker starts from the counts of the one that died', async () => {
    project = tempProject('rewind-fd-telemetry-');
    const dir = project.dir;
    const ports = { controller: await freePort(), front: await freePort() };
    writeProject(project, ports, 'builtin');
    const cli = (...args: string[]) => runCli(args, { cwd: dir });
    serve = await startServe(project, ports.controller);
    expect((await cli('deploy', 'web', 'v1')).code).toBe(0);
    await serve.kill('SIGTERM');
    serve = null;

    for (let i = 0; i < 150; i += 1) expect(await whoAnswers(ports.front)).toBe('v1');
    await sleep(1500); // one snapshot at least after the last request
    const before = await counted(dir);
    const total = Object.values(before).reduce((sum, n) => sum + n, 0);
    expect(total).toBeGreaterThanOrEqual(150);
    const snapshot = join(dir, 'state/front-door/web/telemetry.json');
    expect(statSync(snapshot).mode & 0o777).toBe(0o600);

    const run = frontDoorRun(project) as RunFile;
    process.kill(run.workerPid as number, 'SIGKILL');
    await waitFor('a fresh worker', async () => {
      const now = frontDoorRun(project as Project);
      return now && now.workerPid !== run.workerPid && startTime(run.workerPid as number) === null;
    });
    const after = await counted(dir);
    console.log(
      `requests counted before the worker's SIGKILL ${JSON.stringify(before)}, after ${JSON.stringify(after)}`,
    );
    for (const [revision, requests] of Object.entries(before))
      expect(after[revision] ?? 0).toBeGreaterThanOrEqual(requests);

    // and it goes on counting from there
    for (let i = 0; i < 10; i += 1) expect(await whoAnswers(ports.front)).toBe('v1');
    const later = await counted(dir);
    expect(Object.values(later).reduce((sum, n) => sum + n, 0)).toBeGreaterThanOrEqual(total + 10);
  }, 120_000);
});
