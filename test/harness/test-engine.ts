/**
 * What the container tests need of a real engine, whichever it is (podman's API
 * service or Docker's dockerd): its Engine API socket, its CLI, images built from
 * the sample app's local root filesystem (src/runtime/demo/demo-image.ts, no
 * registry), and a stop that leaves nothing behind.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
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
   * further Dockerfile lines (e.g. a HEALTHCHECK): an import takes only some (Podman
   * refuses HEALTHCHECK there), so those go through a build `FROM` the imported image
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
    async buildImage(tag, env = {}, lines = []) {
      tarball ??= sampleAppRootfs(dir);
      if (lines.length === 0) return importImage(socket, await tarball, tag, env);
      await importImage(socket, await tarball, `${tag}-base`, env);
      await buildFrom(socket, dir, `${tag}-base`, tag, lines);
    },
    async imageId(reference) {
      const answer = await engineCall(socket, 'GET', `/images/${encodeURIComponent(reference)}/json`);
      const id = (JSON.parse(answer) as { Id: string }).Id;
      return id.startsWith('sha256:') ? id : `sha256:${id}`;
    },
  };
}

const run = promisify(execFile);

/** `POST /build` of a Dockerfile `FROM base` plus `lines`, tagged `tag`; the engine's error line is thrown. */
async function buildFrom(socket: string, dir: string, base: string, tag: string, lines: string[]): Promise<void> {
  const context = mkdtempSync(join(dir, 'build-'));
  writeFileSync(join(context, 'Dockerfile'), [`FROM ${base}`, ...lines, ''].join('\n'));
  await run('tar', ['-C', context, '-cf', join(context, 'context.tar'), 'Dockerfile']);
  const query = new URLSearchParams({ t: tag, dockerfile: 'Dockerfile' });
  const answer = await engineCall(socket, 'POST', `/build?${query.toString()}`, join(context, 'context.tar'));
  const failed = answer
    .split('\n')
    .map((line) => /"(?:error|errorDetail)"\s*:\s*"([^"]*)"/.exec(line)?.[1])
    .find(Boolean);
  if (failed) throw new Error(`building ${tag}: ${failed}`);
}
