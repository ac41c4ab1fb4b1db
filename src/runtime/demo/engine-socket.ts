/**
 * The container demo's engine: the first Docker Engine API that answers —
 * `DOCKER_HOST` (unix://…), /var/run/docker.sock, /run/podman/podman.sock —
 * else a `podman system service` the demo starts in its own directory and
 * stops at the end. With none of them, the demo says what to install.
 */
import { createReadStream, existsSync, mkdirSync } from 'node:fs';
import { get, request } from 'node:http';
import { delimiter, join } from 'node:path';
import { UserError } from '../../core/errors.js';
import { startPodmanService } from './podman-service.js';

export interface DemoEngine {
  socket: string;
  /** where it came from, for the demo's first lines */
  source: string;
  /** stops the podman service the demo started; nothing for an engine that was already running */
  stop(): Promise<void>;
}

/** true when the engine answers `GET /_ping` on the socket */
export function pingEngine(socket: string): Promise<boolean> {
  return new Promise((done) => {
    const request = get({ socketPath: socket, path: '/_ping', timeout: 2000 }, (response) => {
      response.resume();
      done(response.statusCode === 200);
    });
    request.on('error', () => done(false));
    request.on('timeout', () => request.destroy());
  });
}

/** One call of the Engine API on its socket (the body streamed from a file); resolves the answer, rejects on a status ≥ 400. */
export function engineCall(socket: string, method: string, path: string, bodyFile?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const call = request({ socketPath: socket, method, path }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () =>
        (response.statusCode ?? 500) >= 400
          ? reject(new Error(`${method} ${path.split('?')[0]}: ${response.statusCode} ${text.slice(0, 300)}`))
          : resolve(text),
      );
    });
    call.on('error', reject);
    if (bodyFile) createReadStream(bodyFile).on('error', reject).pipe(call);
    else call.end();
  });
}

/** The absolute path of `binary` on PATH (or the usual system directories), null when absent. */
export function onPath(binary: string): string | null {
  for (const dir of [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/sbin', '/usr/local/bin']) {
    if (dir && existsSync(join(dir, binary))) return join(dir, binary);
  }
  return null;
}

/** The sockets to try, in order, with where each came from. */
export function candidateSockets(env: NodeJS.ProcessEnv = process.env): { socket: string; source: string }[] {
  const host = env.DOCKER_HOST;
  return [
    ...(host?.startsWith('unix://') ? [{ socket: host.slice('unix://'.length), source: `DOCKER_HOST=${host}` }] : []),
    { socket: '/var/run/docker.sock', source: 'Docker Engine at /var/run/docker.sock' },
    { socket: '/run/podman/podman.sock', source: 'Podman at /run/podman/podman.sock' },
  ];
}

export const INSTALL_AN_ENGINE =
  'no container engine here: install Docker Engine (https://docs.docker.com/engine/install/), ' +
  'or Debian’s podman and runc (apt-get install -y podman runc), then run the demo again';

/** Where the demo looks: the sockets to try and how a binary is found (the host's, unless told otherwise). */
export interface EngineSearch {
  sockets?: { socket: string; source: string }[];
  lookup?: (binary: string) => string | null;
}

/** Finds an engine, or starts podman's API service in `dir`; throws a UserError naming what to install. */
export async function findDemoEngine(
  dir: string,
  env: NodeJS.ProcessEnv = process.env,
  search: EngineSearch = {},
): Promise<DemoEngine> {
  const lookup = search.lookup ?? onPath;
  // a socket someone pointed at, or one that is there, but silent: said, so the fallback is no surprise
  const silent: string[] = [];
  if (env.DOCKER_HOST && !env.DOCKER_HOST.startsWith('unix://'))
    silent.push(`DOCKER_HOST=${env.DOCKER_HOST} is not a unix:// socket`);
  for (const candidate of search.sockets ?? candidateSockets(env)) {
    const there = existsSync(candidate.socket);
    if (there && (await pingEngine(candidate.socket))) return { ...candidate, stop: async () => undefined };
    if (there || candidate.source.startsWith('DOCKER_HOST')) silent.push(`${candidate.source} did not answer`);
  }
  const note = silent.length > 0 ? ` (${silent.join('; ')})` : '';
  const absent = ['podman', 'runc', 'conmon'].filter((binary) => lookup(binary) === null);
  if (absent.length > 0)
    throw new UserError('NO_CONTAINER_ENGINE', `${INSTALL_AN_ENGINE}; missing: ${absent.join(', ')}${note}`);
  const podmanDir = join(dir, 'podman');
  mkdirSync(podmanDir, { recursive: true });
  const service = await startPodmanService(podmanDir);
  const source = `podman system service started on ${service.socket}${note}`;
  return { socket: service.socket, source, stop: service.stop };
}
