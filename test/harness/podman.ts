/**
 * Debian's real `podman` (with `runc`) serving the Docker Engine API for tests
 * (DESIGN.md "Real parts"). Everything lives in one temp dir: a containers.conf
 * that selects runc (crun cannot run in every sandbox) and cgroupfs, a
 * storage.conf with its own root and runroot, and the API socket. Images are
 * built from a local root filesystem — the host's node binary, its shared
 * libraries and the bundled sample app — with `podman import`: no registry.
 *
 * What works in this sandbox (root, no systemd): bridge networking through
 * CNI with ports published on 127.0.0.1; the only adjustment is the rlimits,
 * which podman would raise above the sandbox's hard limits, so the config sets
 * them to the current ones.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { missingPart } from './free-port.js';

const run = promisify(execFile);
// from source (tests), or compiled into dist-bench/test/harness (the bench)
const APP = [
  resolve(import.meta.dirname, '../../examples/demo/app'),
  resolve(import.meta.dirname, '../../../examples/demo/app'),
].find((dir) => existsSync(join(dir, 'server.js'))) as string;

export interface Podman {
  /** the Docker Engine API socket (`engine.socket` in rewind.yaml) */
  socket: string;
  /** the environment that points the podman CLI at this instance */
  env: Record<string, string>;
  /** runs the podman CLI against this instance; resolves its stdout */
  cli(args: string[]): Promise<string>;
  /** imports the sample app as `tag` with `ENV` lines baked in (e.g. a fault); resolves the image id */
  buildImage(tag: string, env?: Record<string, string>): Promise<string>;
  stop(): Promise<void>;
}

function onPath(binary: string): string | null {
  for (const dir of [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/sbin', '/usr/local/bin']) {
    if (dir && existsSync(join(dir, binary))) return join(dir, binary);
  }
  return null;
}

/** true when podman and runc are here; otherwise fails in CI and skips loudly elsewhere. */
export function podmanAvailable(): boolean {
  if (process.getuid?.() !== 0) {
    missingPart('podman as root (the harness runs a rootful podman service)');
    return false;
  }
  const absent = ['podman', 'runc', 'conmon'].filter((b) => onPath(b) === null);
  if (absent.length === 0) return true;
  missingPart(`${absent.join(', ')} (apt-get install -y podman runc)`);
  return false;
}

const limit = async (flag: string): Promise<string> => (await run('bash', ['-c', `ulimit -H${flag}`])).stdout.trim();

/** A root filesystem holding node, its shared libraries and the sample app, as a tarball. */
async function rootfsTarball(dir: string): Promise<string> {
  const root = join(dir, 'rootfs');
  const node = process.execPath;
  const copy = (from: string, to = from) => {
    mkdirSync(join(root, dirname(to)), { recursive: true });
    copyFileSync(from, join(root, to));
  };
  copy(node, '/usr/bin/node');
  const { stdout } = await run('ldd', [node]);
  for (const line of stdout.split('\n')) {
    const lib = /=>\s+(\/\S+)/.exec(line)?.[1] ?? /^\s*(\/\S+)/.exec(line)?.[1];
    if (lib) copy(lib);
  }
  copy(join(APP, 'server.js'), '/app/server.js');
  copy(join(APP, 'package.json'), '/app/package.json');
  mkdirSync(join(root, 'tmp'), { recursive: true });
  const tarball = join(dir, 'rootfs.tar');
  await run('tar', ['-C', root, '-cf', tarball, '.']);
  rmSync(root, { recursive: true, force: true });
  return tarball;
}

/** true when the engine answers `GET /_ping` on the socket */
function ping(socket: string): Promise<boolean> {
  return new Promise((done) => {
    const request = get({ socketPath: socket, path: '/_ping', timeout: 2000 }, (response) => {
      response.resume();
      done(response.statusCode === 200);
    });
    request.on('error', () => done(false));
    request.on('timeout', () => request.destroy());
  });
}

export async function startPodman(): Promise<Podman> {
  const dir = mkdtempSync(join(tmpdir(), 'rewind-podman-'));
  try {
    return await serviceIn(dir);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

async function serviceIn(dir: string): Promise<Podman> {
  const socket = join(dir, 'podman.sock');
  const files = ['nofile', 'nproc'];
  // nproc at the hard limit is refused in some sandboxes: a container needs far fewer
  const ulimits = await Promise.all([limit('n'), limit('u').then((u) => String(Math.min(Number(u) || 4096, 4096)))]);
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
  const env = {
    CONTAINERS_CONF: join(dir, 'containers.conf'),
    CONTAINERS_STORAGE_CONF: join(dir, 'storage.conf'),
  };
  const cli = async (args: string[]): Promise<string> =>
    (await run('podman', args, { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 })).stdout;
  let output = '';
  const service: ChildProcess = spawn('podman', ['system', 'service', '--time=0', `unix://${socket}`], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  service.stdout?.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-4000)));
  service.stderr?.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-4000)));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (service.exitCode !== null) throw new Error(`podman system service exited with ${service.exitCode}: ${output}`);
    if (existsSync(socket) && (await ping(socket))) break;
    if (Date.now() > deadline) {
      service.kill('SIGTERM');
      throw new Error(`podman system service did not answer on ${socket}: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  let tarball: Promise<string> | null = null;
  return {
    socket,
    env,
    cli,
    async buildImage(tag, extra = {}) {
      tarball ??= rootfsTarball(dir);
      const changes = Object.entries({ HOST: '0.0.0.0', PORT: '8080', ...extra }).flatMap(([k, v]) => [
        '--change',
        `ENV ${k}=${v}`,
      ]);
      const out = await cli(['import', '--quiet', ...changes, '--change', 'WORKDIR /app', await tarball, tag]);
      return out.trim();
    },
    async stop() {
      await cli(['rm', '--all', '--force', '--time', '0']).catch(() => '');
      service.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 300));
      await cli(['system', 'reset', '--force']).catch(() => '');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
