/**
 * Debian's real `podman` (with `runc`) serving the Docker Engine API for tests
 * (DESIGN.md "Real parts"), started the way `rewind demo --platform container`
 * starts it (src/runtime/demo/podman-service.ts): everything in one temp dir.
 * Images are the demo's too (src/runtime/demo/demo-image.ts): the host's node
 * binary, its shared libraries and the bundled sample app, imported through the
 * Engine API — no registry.
 *
 * What works in this sandbox (root, no systemd): bridge networking through
 * CNI with ports published on 127.0.0.1.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onPath } from '../../src/runtime/demo/engine-socket.js';
import { startPodmanService, type PodmanService } from '../../src/runtime/demo/podman-service.js';
import { missingPart } from './free-port.js';
import { imageTools, type TestEngine } from './test-engine.js';

export type Podman = TestEngine & Pick<PodmanService, 'env'>;

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

export async function startPodman(): Promise<Podman> {
  const dir = mkdtempSync(join(tmpdir(), 'rewind-podman-'));
  try {
    const service = await startPodmanService(dir);
    return {
      ...service,
      kind: 'podman',
      ...imageTools(service.socket, dir),
      async stop() {
        await service.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
