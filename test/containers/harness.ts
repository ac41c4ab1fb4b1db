/**
 * A container-driver project for the sample app on a real engine (podman's API
 * service, test/harness/podman.ts, or dockerd, test/harness/dockerd.ts): images
 * `localhost/app:<version>` are imported from a local root filesystem, each
 * version with its fault baked into its ENV.
 */
import { engineCall } from '../../src/runtime/demo/engine-socket.js';
import type { Project } from '../helpers/cli.js';
import type { TestEngine } from '../harness/test-engine.js';

export interface ContainerPorts {
  controller: number;
  front: number;
}

export function containerProject(
  project: Project,
  engine: Pick<TestEngine, 'socket'>,
  ports: ContainerPorts,
  options: { pull?: string; extra?: string; driverExtra?: string; rollbackWindow?: string } = {},
): void {
  project.write(
    'rewind.yaml',
    `version: 1
controller: { stateDir: state, listen: "127.0.0.1:${ports.controller}", evaluationInterval: 250ms }
environments: { production: {} }
# every test here rolls back on its own: no cooldown between automatic rollbacks
policy: { cooldownPeriod: 0s }
services:
  web:
    driver:
      type: container
      engine: { socket: ${engine.socket} }
      image: localhost/app:{version}
      command: ["/usr/bin/node", "/app/server.js", "--release", "{version}"]
      env: { APP_SECRET_HINT: "none" }
      port: 8080
      instances: 1
      listen: 127.0.0.1:${ports.front}
      pull: ${options.pull ?? 'never'}
      stopTimeout: 2s
${options.driverExtra ?? ''}    health: { live: /health/live, ready: /health/ready, interval: 250ms, timeout: 1s, failureThreshold: 3, readyTimeout: 30s }
    rollbackWindow: ${options.rollbackWindow ?? '10m'}
    analysis: { duration: 8s }
    postRollback: { watch: 1s }
    triggers:
      - { metric: errorRate, above: 0.1, for: 1s, minSamples: 5, severity: critical }
${options.extra ?? ''}`,
  );
}

/** Which release answers the front door (`v1`), `status 500`, or `error …` when nothing answered. */
export async function whoAnswers(front: number): Promise<string> {
  try {
    const response = await fetch(`http://127.0.0.1:${front}/`, { signal: AbortSignal.timeout(10_000) });
    const text = await response.text();
    let release = '';
    try {
      release = (JSON.parse(text) as { release: string }).release;
    } catch {
      return `status ${response.status}: ${text.slice(0, 80)}`;
    }
    return response.ok ? release : `status ${response.status} from ${release}`;
  } catch (error) {
    return `error ${(error as Error).message}`;
  }
}

export interface ContainerRow {
  id: string;
  state: string;
  image: string;
  imageId: string;
  labels: Record<string, string>;
}

/** Every container on the engine, as its API lists them (`ps -a`, labels included); image ids `sha256:…`. */
export async function containers(engine: Pick<TestEngine, 'socket'>): Promise<ContainerRow[]> {
  const rows = JSON.parse(await engineCall(engine.socket, 'GET', '/containers/json?all=true')) as {
    Id: string;
    State: string;
    Image: string;
    ImageID: string;
    Labels: Record<string, string> | null;
  }[];
  const sha = (id: string) => (id.startsWith('sha256:') ? id : `sha256:${id}`);
  return rows.map((r) => ({
    id: r.Id,
    state: r.State,
    image: r.Image,
    imageId: sha(r.ImageID),
    labels: r.Labels ?? {},
  }));
}

export const ofRevision = (rows: ContainerRow[], revision: number): ContainerRow[] =>
  rows.filter((r) => r.labels['dev.rewind.revision'] === String(revision));

/** Keeps asking the front door until stopped; every answer is kept with its time. */
export function loadFront(front: number, loops = 4) {
  const answers: { at: number; answer: string }[] = [];
  let running = true;
  const loop = async () => {
    while (running) answers.push({ at: Date.now(), answer: await whoAnswers(front) });
  };
  const done = Promise.all(Array.from({ length: loops }, loop));
  return {
    answers,
    async stop() {
      running = false;
      await done;
      return answers.map((a) => a.answer);
    },
  };
}
