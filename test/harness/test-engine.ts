/**
 * What the container tests need of a real engine, whichever it is (podman's API
 * service or Docker's dockerd): its Engine API socket, its CLI, images built from
 * the sample app's local root filesystem (src/runtime/demo/demo-image.ts, no
 * registry), and a stop that leaves nothing behind.
 */
import { engineCall } from '../../src/runtime/demo/engine-socket.js';
import { importImage, sampleAppRootfs } from '../../src/runtime/demo/demo-image.js';

export interface TestEngine {
  /** `podman` or `docker`, for test names */
  kind: string;
  /** the Docker Engine API socket */
  socket: string;
  /** runs the engine's CLI against this instance; resolves its stdout */
  cli(args: string[]): Promise<string>;
  /**
   * imports the sample app as `tag` with `ENV` lines baked in (e.g. a fault) and
   * further Dockerfile `changes` (e.g. a HEALTHCHECK line)
   */
  buildImage(tag: string, env?: Record<string, string>, changes?: string[]): Promise<void>;
  /** the engine's image id (`sha256:…`) of a reference */
  imageId(reference: string): Promise<string>;
  stop(): Promise<void>;
}

/** buildImage and imageId on an engine's socket; the root filesystem tarball is made once, in `dir`. */
export function imageTools(socket: string, dir: string): Pick<TestEngine, 'buildImage' | 'imageId'> {
  let tarball: Promise<string> | null = null;
  return {
    async buildImage(tag, env = {}, changes = []) {
      tarball ??= sampleAppRootfs(dir);
      await importImage(socket, await tarball, tag, env, changes);
    },
    async imageId(reference) {
      const answer = await engineCall(socket, 'GET', `/images/${encodeURIComponent(reference)}/json`);
      const id = (JSON.parse(answer) as { Id: string }).Id;
      return id.startsWith('sha256:') ? id : `sha256:${id}`;
    },
  };
}
