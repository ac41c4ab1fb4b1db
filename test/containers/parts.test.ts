/** The container driver's pure pieces: image references, log frames, memory sizes, the create request. */
import { describe, expect, it } from 'vitest';
import { isDigestReference, isPinnedReference, repositoryOf, tagOf } from '../../src/drivers/container/image.js';
import { healthView, newView } from '../../src/drivers/container/container-view.js';
import { demuxLogs } from '../../src/drivers/container/logs.js';
import { containerSpec } from '../../src/drivers/container/container-spec.js';
import { memoryBytes } from '../../src/config/schema/container.js';
import { engineSocket } from '../../src/drivers/container/engine.js';

const frame = (stream: number, text: string) => {
  const body = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
};

describe('container driver parts', () => {
  it('names the repository of a reference with a registry port, a tag or a digest', () => {
    expect(repositoryOf('registry:5000/team/app:v1')).toBe('registry:5000/team/app');
    expect(repositoryOf('registry:5000/team/app')).toBe('registry:5000/team/app');
    const digest = `localhost/app@sha256:${'a'.repeat(64)}`;
    expect(repositoryOf(digest)).toBe('localhost/app');
    expect(isDigestReference(digest)).toBe(true);
    expect(isDigestReference('localhost/app:v1')).toBe(false);
  });

  it('reads multiplexed stdout and stderr frames as text', () => {
    expect(demuxLogs(Buffer.concat([frame(1, 'listening\n'), frame(2, 'crash after 3000ms\n')]))).toBe(
      'listening\ncrash after 3000ms\n',
    );
    expect(demuxLogs('plain tty output\n')).toBe('plain tty output\n');
  });

  it('parses memory limits', () => {
    expect(memoryBytes('256m')).toBe(256 * 1024 ** 2);
    expect(memoryBytes('1g')).toBe(1024 ** 3);
    expect(memoryBytes('1024')).toBe(1024);
    expect(memoryBytes('lots')).toBeNull();
  });

  it('publishes the port on 127.0.0.1 only, at a port the engine picks', () => {
    const spec = containerSpec(
      'n',
      { image: 'i', command: [], env: [], port: 8080, volumes: [], mounts: [], labels: {}, stopTimeoutMs: 2500 },
      { a: 'b' },
    );
    expect(spec.HostConfig?.PortBindings).toEqual({ '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] });
    expect(spec.StopTimeout).toBe(3);
    expect(spec.Cmd).toBeUndefined();
  });

  it('finds the engine socket from the config, then DOCKER_HOST, then the default', () => {
    expect(engineSocket('unix:///run/podman/podman.sock', {})).toBe('/run/podman/podman.sock');
    expect(engineSocket(undefined, { DOCKER_HOST: 'unix:///tmp/d.sock' })).toBe('/tmp/d.sock');
    expect(engineSocket(undefined, {})).toBe('/var/run/docker.sock');
  });

  it('takes an engine image id as pinned (Docker has no repository digest for a local image), never a tag', () => {
    const id = `sha256:${'b'.repeat(64)}`;
    expect(isPinnedReference(id)).toBe(true);
    expect(isPinnedReference(`localhost/app@${id}`)).toBe(true);
    expect(isPinnedReference('localhost/app:v1')).toBe(false);
    expect(tagOf(id)).toBeNull();
  });

  it('a container whose image HEALTHCHECK is unhealthy is neither ready nor live, whatever the probe says', () => {
    const running = { ...newView(0, 'c', 'web-0'), state: 'running' };
    const probe = { ready: true, live: true, consecutiveFailures: 0, rounds: 3, lastError: null };
    const failed = { status: 'unhealthy' as const, failingStreak: 2, lastFailure: 'exit code 1: cache unreachable' };
    const view = healthView(running, probe, failed);
    expect([view.ready, view.live, view.consecutiveFailures]).toEqual([false, false, 2]);
    expect(view.lastError).toBe('image HEALTHCHECK unhealthy after 2 failed checks (exit code 1: cache unreachable)');
    const starting = healthView(running, probe, { status: 'starting', failingStreak: 0, lastFailure: null });
    expect([starting.ready, starting.live]).toEqual([false, true]);
    expect(healthView(running, probe, null).ready).toBe(true);
  });
});
