/**
 * `rewind demo --platform container` on a host with no container engine: it
 * says what to install (Docker Engine, or Debian's podman and runc), names
 * what is missing and which socket it tried, and starts nothing. The search is
 * pointed at sockets and binaries of the test's choosing, so the host's own
 * podman cannot answer for it.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isUserError } from '../../src/core/errors.js';
import { findDemoEngine } from '../../src/runtime/demo/engine-socket.js';

let dir: string;
let server: Server | null = null;
afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = null;
  rmSync(dir, { recursive: true, force: true });
});

const failure = async (promise: Promise<unknown>): Promise<Error> =>
  promise.then(
    () => {
      throw new Error('expected the search to fail');
    },
    (error: Error) => error,
  );

describe('the container demo with no engine', () => {
  it('says what to install and what is missing, and starts nothing', async () => {
    dir = mkdtempSync(join(tmpdir(), 'rewind-no-engine-'));
    const socket = join(dir, 'docker.sock');
    const error = await failure(
      findDemoEngine(
        dir,
        { DOCKER_HOST: `unix://${socket}` },
        {
          sockets: [{ socket, source: `DOCKER_HOST=unix://${socket}` }],
          lookup: (binary) => (binary === 'conmon' ? '/usr/bin/conmon' : null),
        },
      ),
    );
    expect(isUserError(error) && error.code).toBe('NO_CONTAINER_ENGINE');
    expect(isUserError(error) && error.exitCode).toBe(1);
    expect(error.message).toContain('install Docker Engine');
    expect(error.message).toContain('apt-get install -y podman runc');
    expect(error.message).toContain('missing: podman, runc');
    expect(error.message).not.toContain('conmon');
    expect(error.message).toContain(`DOCKER_HOST=unix://${socket} did not answer`);
    // no podman service was set up for it
    expect(existsSync(join(dir, 'podman'))).toBe(false);
  });

  it('a socket that is there but answers no ping is named, and not used', async () => {
    dir = mkdtempSync(join(tmpdir(), 'rewind-no-engine-'));
    const socket = join(dir, 'engine.sock');
    server = createServer((_req, res) => res.writeHead(500).end('not an engine'));
    await new Promise<void>((resolve) => server?.listen(socket, resolve));
    const error = await failure(
      findDemoEngine(dir, {}, { sockets: [{ socket, source: `Docker Engine at ${socket}` }], lookup: () => null }),
    );
    expect(isUserError(error) && error.code).toBe('NO_CONTAINER_ENGINE');
    expect(error.message).toContain(`Docker Engine at ${socket} did not answer`);
    expect(error.message).toContain('missing: podman, runc, conmon');
  });
});
