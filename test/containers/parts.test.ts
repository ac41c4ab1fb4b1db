/** The container driver's pure pieces: image references, log frames, memory sizes, the create request. */
import { describe, expect, it } from 'vitest';
import { isDigestReference, repositoryOf } from '../../src/drivers/container/image.js';
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
});
