/**
 * The builtin front door's telemetry outlives its worker: with no controller
 * running, requests are counted by the worker, the worker is SIGKILLed, and
 * the fresh worker its supervisor starts reports at least the same counts per
 * release (it starts from the snapshot and the journal of closed seconds the dead
 * one wrote beside the run file, owner-only) — second by second the same counts
 * for every second that had closed — which is what a controller that starts then
 * reads. While no request comes, neither file is written.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
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

/** Requests per release and second, as the front door reports them over its control channel. */
async function perSecond(dir: string): Promise<Record<string, Record<number, number>>> {
  const exported = await controlCall<TelemetryExport>(
    join(dir, 'state/front-door/web/control.sock'),
    { op: 'telemetry', since: 0 },
    5000,
  );
  return Object.fromEntries(
    Object.entries(exported.releases).map(([revision, { rows }]) => [
      revision,
      Object.fromEntries(rows.filter((row) => row[1] > 0).map((row) => [row[0], row[1]])),
    ]),
  );
}

/** Requests counted per release by the front door itself. */
async function counted(dir: string): Promise<Record<string, number>> {
  return Object.fromEntries(
    Object.entries(await perSecond(dir)).map(([revision, seconds]) => [
      revision,
      Object.values(seconds).reduce((sum, n) => sum + n, 0),
    ]),
  );
}

const stamp = (file: string): string => {
  const stat = statSync(file);
  return `${stat.size} bytes, modified ${stat.mtimeMs}`;
};

/**
 * Waits until the worker has journaled every second it counted: the second of the last request closes
 * at the next whole second, the worker's once-a-second tick then appends it, and after that an idle
 * worker writes nothing (the journal's size and time stay put for more than a tick).
 */
async function journaled(dir: string): Promise<void> {
  const journal = join(dir, 'state/front-door/web/telemetry.jsonl');
  await sleep(1000 - (Date.now() % 1000) + 200);
  let last = existsSync(journal) ? stamp(journal) : '';
  for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
    await sleep(1300);
    const now = existsSync(journal) ? stamp(journal) : '';
    if (now === last) return;
    last = now;
  }
  throw new Error('the telemetry journal was still being written after 30 s of no requests');
}

/** A deployed project on the builtin front door, its controller stopped: the front door counts on alone. */
async function frontDoorAlone(): Promise<{ dir: string; front: number }> {
  project = tempProject('rewind-fd-telemetry-');
  const ports = { controller: await freePort(), front: await freePort() };
  writeProject(project, ports, 'builtin');
  serve = await startServe(project, ports.controller);
  expect((await runCli(['deploy', 'web', 'v1'], { cwd: project.dir })).code).toBe(0);
  await serve.kill('SIGTERM');
  serve = null;
  return { dir: project.dir, front: ports.front };
}

async function killWorker(): Promise<void> {
  const run = frontDoorRun(project as Project) as RunFile;
  process.kill(run.workerPid as number, 'SIGKILL');
  await waitFor('a fresh worker', async () => {
    const now = frontDoorRun(project as Project);
    return now && now.workerPid !== run.workerPid && startTime(run.workerPid as number) === null;
  });
}

describe('the builtin front door when its worker dies', () => {
  it('a fresh worker starts from the counts of the one that died', async () => {
    const { dir, front } = await frontDoorAlone();
    for (let i = 0; i < 150; i += 1) expect(await whoAnswers(front)).toBe('v1');
    await journaled(dir);
    const before = await counted(dir);
    const total = Object.values(before).reduce((sum, n) => sum + n, 0);
    expect(total).toBeGreaterThanOrEqual(150);
    const snapshot = join(dir, 'state/front-door/web/telemetry.json');
    expect(statSync(snapshot).mode & 0o777).toBe(0o600);

    await killWorker();
    const after = await counted(dir);
    console.log(
      `requests counted before the worker's SIGKILL ${JSON.stringify(before)}, after ${JSON.stringify(after)}`,
    );
    for (const [revision, requests] of Object.entries(before))
      expect(after[revision] ?? 0).toBeGreaterThanOrEqual(requests);

    // and it goes on counting from there
    for (let i = 0; i < 10; i += 1) expect(await whoAnswers(front)).toBe('v1');
    const later = await counted(dir);
    expect(Object.values(later).reduce((sum, n) => sum + n, 0)).toBeGreaterThanOrEqual(total + 10);
  }, 120_000);

  it('a worker SIGKILLed after three closed seconds is replaced, and the telemetry read still holds each of them', async () => {
    const { dir, front } = await frontDoorAlone();
    const snapshot = join(dir, 'state/front-door/web/telemetry.json');
    const journal = join(dir, 'state/front-door/web/telemetry.jsonl');
    for (let k = 0; k < 3; k += 1) {
      await sleep(1050 - (Date.now() % 1000)); // early in a second of its own
      for (let i = 0; i < 10 + k; i += 1) expect(await whoAnswers(front)).toBe('v1');
    }
    await journaled(dir);
    const before = await perSecond(dir);
    const seconds = Object.values(before).flatMap((bySecond) => Object.keys(bySecond));
    const total = Object.values(before).reduce(
      (sum, bySecond) => sum + Object.values(bySecond).reduce((a, b) => a + b, 0),
      0,
    );
    expect(seconds.length).toBeGreaterThanOrEqual(3);
    expect(total).toBeGreaterThanOrEqual(33);
    expect(statSync(journal).mode & 0o777).toBe(0o600);
    // journaled one line per closed second (and per user bucket), after the journal's header
    expect(readFileSync(journal, 'utf8').split('\n').filter(Boolean).length).toBeGreaterThanOrEqual(1 + 3);

    // idle: nothing is written
    const idle = [stamp(snapshot), stamp(journal)];
    await sleep(3000);
    expect([stamp(snapshot), stamp(journal)]).toEqual(idle);

    await killWorker();
    const after = await perSecond(dir);
    console.log(
      `requests per second before the worker's SIGKILL ${JSON.stringify(before)}, after ${JSON.stringify(after)}`,
    );
    for (const [revision, bySecond] of Object.entries(before)) {
      for (const [second, requests] of Object.entries(bySecond))
        expect(after[revision]?.[Number(second)]).toBe(requests);
    }
  }, 120_000);
});
