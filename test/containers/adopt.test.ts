/**
 * `rewind adopt` on a real podman engine: a container started outside Rewind with
 * a Compose project's labels becomes the live release without a restart, the
 * service's image, command and port come from the Compose file, a bad deploy
 * rolls back to the adopted container, and containers the labels do not select
 * are never touched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, runCli, startServe, tempProject, waitFor } from '../helpers/cli.js';
import { podmanAvailable, startPodman, type Podman } from '../harness/podman.js';
import { containers, loadFront, ofRevision, whoAnswers } from './harness.js';

const available = podmanAvailable();
const DIGEST = /^localhost\/app@sha256:[0-9a-f]{64}$/;

let podman: Podman;
let project: Project;
let serve: Serve | null = null;
let ports: { controller: number; front: number; compose: number };
const cli = (...args: string[]) => runCli(args, { cwd: project.dir });

/** Id, state, start time and restart count of a container, as the engine reports them. */
const inspect = async (name: string) => {
  const [row] = JSON.parse(await podman.cli(['inspect', name])) as {
    Id: string;
    RestartCount: number;
    State: { Status: string; StartedAt: string };
  }[];
  return { id: row?.Id, state: row?.State.Status, startedAt: row?.State.StartedAt, restarts: row?.RestartCount };
};

function writeProject(): void {
  project.write(
    'compose.yaml',
    `services:
  web:
    image: localhost/app:v1
    command: ["/usr/bin/node", "/app/server.js"]
    environment:
      APP_VERSION: v1
    ports: ["127.0.0.1:${ports.compose}:8080"]
    restart: unless-stopped
`,
  );
  project.write(
    'rewind.yaml',
    `version: 1
controller: { stateDir: state, listen: "127.0.0.1:${ports.controller}", evaluationInterval: 250ms }
environments: { production: {} }
policy: { cooldownPeriod: 0s }
services:
  web:
    driver:
      type: container
      engine: { socket: ${podman.socket} }
      compose: { file: compose.yaml, service: web }
      env: { APP_VERSION: "{version}" }
      listen: 127.0.0.1:${ports.front}
      pull: never
      stopTimeout: 2s
    health: { live: /health/live, ready: /health/ready, interval: 250ms, timeout: 1s, failureThreshold: 3, readyTimeout: 30s }
    rollbackWindow: 10m
    analysis: { duration: 8s }
    postRollback: { watch: 1s }
    triggers:
      - { metric: errorRate, above: 0.1, for: 1s, minSamples: 5, severity: critical }
`,
  );
}

const composeRun = (name: string, labels: string[], publish: string[] = []) =>
  podman.cli([
    'run',
    '-d',
    '--name',
    name,
    ...labels.flatMap((l) => ['--label', l]),
    ...publish,
    '-e',
    'APP_VERSION=v1',
    'localhost/app:v1',
    '/usr/bin/node',
    '/app/server.js',
  ]);

describe.skipIf(!available)('rewind adopt on a real podman engine', () => {
  beforeAll(async () => {
    podman = await startPodman();
    await podman.buildImage('localhost/app:v1');
    await podman.buildImage('localhost/app:v2', { FAULT: 'error-rate', FAULT_ERROR_RATE: '0.2' });
    project = tempProject('rewind-adopt-');
    ports = { controller: await freePort(), front: await freePort(), compose: await freePort() };
    writeProject();
    // what `docker compose up` would have started, and two containers the labels do not select
    await composeRun(
      'shop-web-1',
      ['com.docker.compose.project=shop', 'com.docker.compose.service=web'],
      ['-p', `127.0.0.1:${ports.compose}:8080`],
    );
    await composeRun('shop-worker-1', ['com.docker.compose.project=shop', 'com.docker.compose.service=worker']);
    await composeRun('not-rewinds', []);
    serve = await startServe(project, ports.controller);
  }, 180_000);

  afterAll(async () => {
    await serve?.kill('SIGTERM');
    await podman?.stop();
    project?.cleanup();
  }, 120_000);

  it('adopts the Compose container as live without a restart, rolls a bad deploy back to it, touches nothing else', async () => {
    const outsiders = { worker: await inspect('shop-worker-1'), plain: await inspect('not-rewinds') };
    const before = await inspect('shop-web-1');
    expect(before.state).toBe('running');

    const adopted = await cli('adopt', 'web', '--json');
    expect(adopted.code, adopted.stdout + adopted.stderr).toBe(0);
    const result = JSON.parse(adopted.stdout) as { revision: number; version: string; artifact: string };
    expect(result).toMatchObject({ revision: 1, version: 'v1' });
    expect(result.artifact).toMatch(DIGEST);
    expect(await whoAnswers(ports.front)).toBe('v1');
    expect(await inspect('shop-web-1')).toEqual(before);
    const history = JSON.parse((await cli('history', 'web', '--json')).stdout) as {
      revision: number;
      status: string;
      artifact: string;
    }[];
    expect(history.map((r) => [r.revision, r.status, r.artifact])).toEqual([[1, 'live', result.artifact]]);

    // a second adopt would replace a live release: refused
    const again = await cli('adopt', 'web');
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('already has a live release');

    const load = loadFront(ports.front);
    const watched = await cli('deploy', 'web', 'v2', '--watch', '--json');
    expect(watched.code, watched.stdout + watched.stderr).toBe(3);
    const { rollbackId } = JSON.parse(watched.stdout) as { rollbackId: string };
    const done = await waitFor(
      `rollback ${rollbackId} to finish`,
      async () => {
        const detail = JSON.parse((await cli('rollback', 'show', rollbackId, '--json')).stdout) as { status: string };
        return detail.status === 'succeeded' || detail.status === 'failed' ? detail : null;
      },
      60_000,
      250,
    );
    expect(done.status).toBe('succeeded');
    const answers = await load.stop();
    expect(answers.filter((a) => a !== 'v1' && a !== 'v2' && a !== 'status 500 from v2')).toEqual([]);
    expect(answers.filter((a) => a === 'v2' || a === 'status 500 from v2').length).toBeGreaterThan(0);
    expect(await whoAnswers(ports.front)).toBe('v1');
    // the adopted container served throughout: the same one, never restarted
    expect(await inspect('shop-web-1')).toEqual(before);
    const rows = await containers(podman);
    // v2 was made from the Compose service (image repository, command, port) with rewind.yaml's env
    expect(ofRevision(rows, 2).map((r) => [r.state, r.image, r.labels['dev.rewind.image']])).toEqual([
      ['exited', 'localhost/app:v2', expect.stringMatching(DIGEST)],
    ]);
    expect(await inspect('shop-worker-1')).toEqual(outsiders.worker);
    expect(await inspect('not-rewinds')).toEqual(outsiders.plain);

    // a controller that starts again finds the adopted release by its labels and serves it, still untouched
    await serve?.kill('SIGTERM');
    serve = await startServe(project, ports.controller);
    await waitFor('the adopted release to serve again', async () => (await whoAnswers(ports.front)) === 'v1', 30_000);
    expect(await inspect('shop-web-1')).toEqual(before);
    expect(await inspect('not-rewinds')).toEqual(outsiders.plain);
  }, 240_000);
});
