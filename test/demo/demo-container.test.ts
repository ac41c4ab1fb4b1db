/**
 * `rewind demo --platform container` as a user runs it, on Debian's podman
 * (runc): once on an engine that was already running (DOCKER_HOST), which is
 * asked afterwards for anything the demo left; once with no engine running, so
 * the demo starts `podman system service` itself and must stop it.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { podmanAvailable, startPodman, type Podman } from '../harness/podman.js';
import { runDemoCli, type DemoRun } from './demo-cli.js';
import { requirePart } from '../harness/free-port.js';

const available = podmanAvailable();
const run = promisify(execFile);

interface ContainerDemoJson {
  platform: string;
  engine: string;
  afterFlip: { bad: number; examples: unknown[] };
}

const containerJson = (demo: DemoRun) => demo.json as DemoRun['json'] & ContainerDemoJson;

function rolledBackToV1(demo: DemoRun): void {
  const json = containerJson(demo);
  const context = `exit ${demo.code}:\n${JSON.stringify(json, null, 2)}\n${demo.stderr}`;
  expect(demo.code, context).toBe(0);
  expect(json.platform).toBe('container');
  expect(json.outcome, context).toBe('rolled-back');
  expect(json.rollbackStatus).toBe('succeeded');
  // from the restore on, every request was answered 2xx by v1, and none after the switch flipped went astray
  expect(json.trafficRestoredAfterMs, context).not.toBeNull();
  expect(json.afterFlip.bad, context).toBe(0);
  expect(demo.stderr).toContain('rewind demo --platform container');
}

describe.skipIf(!available)('rewind demo --platform container on podman', () => {
  let podman: Podman;

  beforeAll(async () => {
    podman = await startPodman();
  }, 60_000);

  afterAll(async () => {
    await podman?.stop();
  }, 60_000);

  it('rolls v2 back on the engine at DOCKER_HOST and leaves no container or image of its own there', async () => {
    const demo = await runDemoCli(['--platform', 'container'], { DOCKER_HOST: `unix://${podman.socket}` });
    rolledBackToV1(demo);
    expect(containerJson(demo).engine).toBe(`DOCKER_HOST=unix://${podman.socket}`);
    const rows = JSON.parse(await podman.cli(['ps', '-a', '--format', 'json'])) as {
      Labels: Record<string, string> | null;
    }[];
    const labelled = rows.filter((row) => Object.keys(row.Labels ?? {}).some((key) => key.startsWith('dev.rewind.')));
    expect(labelled).toEqual([]);
    expect(await podman.cli(['images', '--format', '{{.Repository}}:{{.Tag}}'])).not.toContain('rewind-demo');
  }, 90_000);

  it('starts podman for itself when no engine runs, and stops it at the end', async (ctx) => {
    const demo = await runDemoCli(['--platform', 'container'], { DOCKER_HOST: undefined });
    rolledBackToV1(demo);
    const { engine } = containerJson(demo);
    const socket = /started on (\S+)/.exec(engine)?.[1];
    // a Docker or Podman socket at its usual place is used instead: then the demo started nothing to stop,
    // and this test cannot run here (skipped with its reason; in CI it fails)
    requirePart(ctx, socket, 'a machine with no Docker or Podman socket at its usual place');
    const { stdout } = await run('ps', ['-eo', 'args']);
    expect(stdout.split('\n').filter((line) => line.includes(socket))).toEqual([]);
  }, 90_000);
});
