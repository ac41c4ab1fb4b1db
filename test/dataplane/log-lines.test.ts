/**
 * The haproxy router's request log reader: lines split anywhere across reads,
 * negative values (a client that left), HAProxy's own answers and garbage.
 */
import { describe, expect, it } from 'vitest';
import { LogLineReader } from '../../src/proxy/haproxy/log-lines.js';

function readAll(chunks: string[]) {
  const seen: [number, number, number][] = [];
  const reader = new LogLineReader((revision, status, ms) => void seen.push([revision, status, ms]));
  for (const chunk of chunks) reader.push(Buffer.from(chunk, 'latin1'));
  return { seen, reader };
}

describe('request log lines', () => {
  it('reads server, status and total time, also across reads', () => {
    const { seen, reader } = readAll(['r12-0 200 3\nb7-1 50', '3 1200\nr3-10 -1 -1\n', 'r4-0 204 0\n']);
    expect(seen).toEqual([
      [12, 200, 3],
      [7, 503, 1200],
      [3, -1, -1],
      [4, 204, 0],
    ]);
    expect(reader.lines).toBe(4);
    expect(reader.unreadable).toBe(0);
  });

  it('reads the accept time when the line has one (-1 when not)', () => {
    const seen: number[][] = [];
    const reader = new LogLineReader((...line) => void seen.push(line));
    reader.push(Buffer.from('r2-0 500 7 1796640968474\nr2-1 200 3\nr2-0 200 1 x\n', 'latin1'));
    expect(seen).toEqual([
      [2, 500, 7, 1796640968474, -1, -1],
      [2, 200, 3, -1, -1, -1],
      [2, 200, 1, -1, -1, -1],
    ]);
  });

  it('skips what HAProxy answered itself and counts what it cannot read', () => {
    const { seen, reader } = readAll(['<NOSRV> 503 0\n', 'hello\n', 'r-0 200 1\n', 'r5-0 abc 1\n', '\n']);
    expect(seen).toEqual([]);
    expect(reader.unreadable).toBe(3);
  });

  it('drops a line that never ends instead of keeping it', () => {
    const { seen, reader } = readAll(['r1-0 200 ' + '9'.repeat(600), '9'.repeat(600), '\nr2-0 200 1\n']);
    expect(reader.unreadable).toBeGreaterThanOrEqual(1);
    expect(seen.at(-1)).toEqual([2, 200, 1]);
  });

  it('reads the user hash and feature index of a router that counts users', () => {
    const seen: number[][] = [];
    const reader = new LogLineReader((...line) => void seen.push(line));
    reader.push(
      Buffer.from(
        'r2-0 500 4 1796640968474 1DA88CEB15A4FF 0\nr2-1 200 1 1796640968475 - -\nr2-0 200 1 1796640968476 00000000000001 1\n',
      ),
    );
    expect(seen).toEqual([
      [2, 500, 4, 1796640968474, 0x1da88ceb15a4f, 0],
      [2, 200, 1, 1796640968475, -1, -1],
      [2, 200, 1, 1796640968476, 0, 1],
    ]);
    expect(reader.unreadable).toBe(0);
  });
});
