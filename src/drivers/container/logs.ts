/**
 * The last lines a release's containers wrote, for the incident report of a
 * failed release. The engine multiplexes stdout and stderr of a container
 * without a TTY into frames (8-byte header: stream, 3 zero bytes, length).
 */
import type { InstanceOutput } from '../../core/ports/driver.js';
import type { ContainerLike } from './engine-like.js';

/** The text of a multiplexed log answer; a plain one (TTY) is returned as it is. */
export function demuxLogs(raw: Buffer | string): string {
  const buffer = typeof raw === 'string' ? Buffer.from(raw, 'binary') : raw;
  const framed = buffer.length >= 8 && buffer[0]! <= 2 && buffer[1] === 0 && buffer[2] === 0 && buffer[3] === 0;
  if (!framed) return buffer.toString('utf8');
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const size = buffer.readUInt32BE(offset + 4);
    parts.push(buffer.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8');
}

/** Up to `lines` last lines of each container, prefixed with its name; never throws. */
export async function lastLogLines(
  containers: { name: string; handle: ContainerLike }[],
  lines: number,
): Promise<string[]> {
  const out: string[] = [];
  for (const { name, handle } of containers) {
    const text = await handle
      .logs({ stdout: true, stderr: true, tail: lines, follow: false })
      .then(demuxLogs)
      .catch((error: unknown) => `(logs unavailable: ${(error as Error).message})`);
    for (const line of text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .slice(-lines))
      out.push(`${name}: ${line}`);
  }
  return out;
}

/** What each container printed (both streams, its earlier runs too), the newest `maxLines` lines; never throws. */
export async function containerOutputs(
  containers: { name: string; handle: ContainerLike }[],
  maxLines: number,
): Promise<InstanceOutput[]> {
  return Promise.all(
    containers.map(async ({ name, handle }) => {
      const text = await handle
        .logs({ stdout: true, stderr: true, tail: maxLines, follow: false })
        .then(demuxLogs)
        .catch((error: unknown) => `(logs unavailable: ${(error as Error).message})`);
      const lines = text.split('\n').map((l) => l.trimEnd());
      if (lines.at(-1) === '') lines.pop();
      return { instance: name, lines: lines.slice(-maxLines) };
    }),
  );
}
