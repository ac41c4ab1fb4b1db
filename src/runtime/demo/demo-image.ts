/**
 * Images of the sample app without a registry: a root filesystem holding this
 * host's node binary, its shared libraries and examples/demo/app, imported
 * through the Docker Engine API (`POST /images/create?fromSrc=-`, what
 * `docker import` and `podman import` do) with its ENV lines baked in — which
 * is how v2, and only v2, carries the demo's fault.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { sampleAppDir } from './demo-config.js';
import { engineCall } from './engine-socket.js';

const run = promisify(execFile);

/** Writes `dir`/rootfs.tar: /usr/bin/node with its libraries and /app/server.js; resolves its path. */
export async function sampleAppRootfs(dir: string): Promise<string> {
  const root = join(dir, 'rootfs');
  const app = sampleAppDir();
  const copy = (from: string, to = from) => {
    mkdirSync(join(root, dirname(to)), { recursive: true });
    copyFileSync(from, join(root, to));
  };
  copy(process.execPath, '/usr/bin/node');
  const { stdout } = await run('ldd', [process.execPath]);
  for (const line of stdout.split('\n')) {
    const lib = /=>\s+(\/\S+)/.exec(line)?.[1] ?? /^\s*(\/\S+)/.exec(line)?.[1];
    if (lib) copy(lib);
  }
  copy(join(app, 'server.js'), '/app/server.js');
  copy(join(app, 'package.json'), '/app/package.json');
  mkdirSync(join(root, 'tmp'), { recursive: true });
  const tarball = join(dir, 'rootfs.tar');
  await run('tar', ['-C', root, '-cf', tarball, '.']);
  rmSync(root, { recursive: true, force: true });
  return tarball;
}

/**
 * Imports the tarball as `repository:tag` with the sample app's defaults
 * (listen on 0.0.0.0:8080, working directory /app), `env` as ENV lines and
 * further Dockerfile lines in `changes` (e.g. `HEALTHCHECK …`).
 */
export async function importImage(
  socket: string,
  tarball: string,
  reference: string,
  env: Record<string, string> = {},
  changes: string[] = [],
): Promise<void> {
  // the repository with its tag in one: Podman's compat API ignores a separate `tag` on import
  const query = new URLSearchParams({ fromSrc: '-', repo: reference });
  for (const [key, value] of Object.entries({ HOST: '0.0.0.0', PORT: '8080', ...env }))
    query.append('changes', `ENV ${key}=${value}`);
  query.append('changes', 'WORKDIR /app');
  for (const change of changes) query.append('changes', change);
  const answer = await engineCall(socket, 'POST', `/images/create?${query.toString()}`, tarball);
  // the engine streams its progress as JSON lines; a failed import ends with an error line
  const failed = answer
    .split('\n')
    .map((line) => /"error"\s*:\s*"([^"]*)"/.exec(line)?.[1])
    .find(Boolean);
  if (failed) throw new Error(`importing ${reference}: ${failed}`);
}

/** Removes the image by reference; an image already gone is fine. */
export async function removeImage(socket: string, reference: string): Promise<void> {
  await engineCall(socket, 'DELETE', `/images/${encodeURIComponent(reference)}?force=true`).catch((error: Error) => {
    if (!/ 404 /.test(error.message)) throw error;
  });
}
