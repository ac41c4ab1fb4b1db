/**
 * Debian's real Docker Engine (`docker.io`: dockerd with its own containerd and
 * runc) for the container tests, started the way a person without systemd would:
 * `dockerd` with its socket, data root, exec root and pid file in one temp dir.
 * Images are imported from the sample app's local root filesystem, as for podman.
 *
 * What this sandbox needs (root, no systemd): `--iptables=false` (the tests
 * reach containers only through ports published on 127.0.0.1, which dockerd's
 * userland proxy serves) and the overlay2 storage driver. Only one harness
 * dockerd runs at a time on a host: each would own the `docker0` bridge.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { onPath, pingEngine } from '../../src/runtime/demo/engine-socket.js';
import { missingPart } from './free-port.js';
import { imageTools, type TestEngine } from './test-engine.js';

const run = promisify(execFile);

/** true when dockerd, containerd, runc and a docker CLI are here; otherwise fails in CI and skips loudly elsewhere. */
export function dockerdAvailable(): boolean {
  if (process.getuid?.() !== 0) {
    missingPart('dockerd as root (the harness runs a rootful Docker Engine)');
    return false;
  }
  const absent = ['dockerd', 'containerd', 'runc', 'docker'].filter((b) => onPath(b) === null);
  if (absent.length === 0) return true;
  missingPart(`${absent.join(', ')} (apt-get install -y --no-install-recommends docker.io)`);
  return false;
}

/** Starts dockerd in a temp dir; resolves once its API answers `GET /_ping`. */
export async function startDockerd(): Promise<TestEngine> {
  // short: containerd's socket path under the exec root must fit a unix socket name
  const dir = mkdtempSync('/tmp/rwd-dockerd-');
  const socket = join(dir, 'docker.sock');
  mkdirSync(join(dir, 'exec'));
  const env = { ...process.env, DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: join(dir, 'cli') };
  const cli = async (args: string[]) => (await run('docker', args, { env, maxBuffer: 64 * 1024 * 1024 })).stdout;
  let output = '';
  const daemon = spawn(
    'dockerd',
    [
      `--host=unix://${socket}`,
      `--data-root=${join(dir, 'data')}`,
      `--exec-root=${join(dir, 'exec')}`,
      `--pidfile=${join(dir, 'dockerd.pid')}`,
      '--storage-driver=overlay2',
      '--iptables=false',
      '--log-level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
  daemon.stdout.on('data', keep);
  daemon.stderr.on('data', keep);
  const exited = new Promise<void>((done) => daemon.once('exit', () => done()));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (daemon.exitCode !== null) {
      cleanup();
      throw new Error(`dockerd exited with ${daemon.exitCode}: ${output}`);
    }
    if (existsSync(socket) && (await pingEngine(socket))) break;
    if (Date.now() > deadline) {
      daemon.kill('SIGTERM');
      await exited;
      cleanup();
      throw new Error(`dockerd did not answer on ${socket}: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    kind: 'docker',
    socket,
    cli,
    ...imageTools(socket, dir),
    async stop() {
      const ids = (await cli(['ps', '-aq']).catch(() => '')).split('\n').filter(Boolean);
      if (ids.length > 0) await cli(['rm', '--force', ...ids]).catch(() => '');
      if (daemon.exitCode === null) {
        daemon.kill('SIGTERM');
        // dockerd stops its containerd and unmounts its layers before it exits
        await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
      }
      cleanup();
    },
  };
}
