/**
 * Debian's `podman` serving the Docker Engine API from one directory, for the
 * container demo and the tests: a containers.conf that selects runc (crun
 * cannot run in every sandbox) and cgroupfs, a storage.conf with its own root
 * and runroot, and the API socket. Stopping it removes its containers, its
 * storage and the directory's podman files.
 *
 * Rootful in a sandbox without systemd, the one adjustment is the rlimits:
 * podman would raise them above the sandbox's hard limits, so the config sets
 * them to the current ones.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pingEngine } from './engine-socket.js';

const run = promisify(execFile);

export interface PodmanService {
  /** the Docker Engine API socket */
  socket: string;
  /** the environment that points the podman CLI at this instance */
  env: Record<string, string>;
  /** runs the podman CLI against this instance; resolves its stdout */
  cli(args: string[]): Promise<string>;
  stop(): Promise<void>;
}

const hardLimit = async (flag: string): Promise<string> =>
  (await run('bash', ['-c', `ulimit -H${flag}`])).stdout.trim();

async function writeConfig(dir: string): Promise<Record<string, string>> {
  const files = ['nofile', 'nproc'];
  // nproc at the hard limit is refused in some sandboxes: a container needs far fewer
  const ulimits = await Promise.all([
    hardLimit('n'),
    hardLimit('u').then((u) => String(Math.min(Number(u) || 4096, 4096))),
  ]);
  writeFileSync(
    join(dir, 'containers.conf'),
    [
      '[containers]',
      `default_ulimits = [${files.map((name, i) => `"${name}=${ulimits[i]}:${ulimits[i]}"`).join(', ')}]`,
      '[engine]',
      'runtime = "runc"',
      'cgroup_manager = "cgroupfs"',
      'events_logger = "file"',
      `tmp_dir = "${join(dir, 'tmp')}"`,
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'storage.conf'),
    `[storage]\ndriver = "overlay"\ngraphroot = "${join(dir, 'root')}"\nrunroot = "${join(dir, 'run')}"\n`,
  );
  return { CONTAINERS_CONF: join(dir, 'containers.conf'), CONTAINERS_STORAGE_CONF: join(dir, 'storage.conf') };
}

/** Starts `podman system service` on `dir`/podman.sock; resolves once the API answers `GET /_ping`. */
export async function startPodmanService(dir: string): Promise<PodmanService> {
  const socket = join(dir, 'podman.sock');
  const env = await writeConfig(dir);
  const cli = async (args: string[]): Promise<string> =>
    (await run('podman', args, { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 })).stdout;
  let output = '';
  const service: ChildProcess = spawn('podman', ['system', 'service', '--time=0', `unix://${socket}`], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
  service.stdout?.on('data', keep);
  service.stderr?.on('data', keep);
  const exited = new Promise<void>((done) => service.once('exit', () => done()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (service.exitCode !== null) throw new Error(`podman system service exited with ${service.exitCode}: ${output}`);
    if (existsSync(socket) && (await pingEngine(socket))) break;
    if (Date.now() > deadline) {
      service.kill('SIGTERM');
      throw new Error(`podman system service did not answer on ${socket}: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    socket,
    env,
    cli,
    async stop() {
      await cli(['rm', '--all', '--force', '--time', '0']).catch(() => '');
      if (service.exitCode === null) {
        service.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      }
      await cli(['system', 'reset', '--force']).catch(() => '');
    },
  };
}
