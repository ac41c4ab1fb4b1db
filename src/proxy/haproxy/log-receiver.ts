/**
 * Receives HAProxy's per-request log and counts each line into the same
 * per-release one-second telemetry the built-in switch fills, so triggers, the
 * judge and reports read both routers alike.
 *
 * Transport: HAProxy writes each line into an in-memory ring, and the ring's
 * forwarder streams it over one loopback TCP connection to this receiver. A
 * read brings hundreds of lines at once, so the cost per request is a few byte
 * compares here and a memory copy in HAProxy — where a datagram per request
 * cost a system call on both sides and a JavaScript event here. TCP also
 * loses nothing when this process is briefly busy: the ring keeps the lines.
 */
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import type { Clock } from '../../core/clock.js';
import { bucketIndex } from '../latency-histogram.js';
import type { TelemetryStore } from '../telemetry.js';
import { LogLineReader } from './log-lines.js';

export interface LogReceiver {
  readonly port: number;
  /** lines counted, and lines that could not be read */
  readonly counted: number;
  readonly unreadable: number;
  /** performance.now() when the last request of `revision` finished, as far as the log has told */
  lastFinished(revision: number): number | undefined;
  /** drops what is kept about a retired release */
  forget(revision: number): void;
  close(): Promise<void>;
}

export async function startLogReceiver(
  telemetry: TelemetryStore,
  /** whether a revision is one of the router's: lines of forgotten releases are dropped */
  known: (revision: number) => boolean,
  clock: Clock,
  /** the port HAProxy's config streams to (an adopted HAProxy keeps its own); default any free one */
  port = 0,
  /** the service's features with `other`: feature indexes beyond are `other` */
  featureCount = 1,
): Promise<LogReceiver> {
  let counted = 0;
  let unreadable = 0;
  let now = 0;
  let monotonic = 0;
  const finished = new Map<number, number>();
  /** a line without a feature is `other`, the last of the service's features */
  const other = featureCount - 1;
  const record = (revision: number, status: number, totalMs: number, user: number, feature: number): void => {
    if (!known(revision)) return;
    finished.set(revision, monotonic);
    // -1: the client left before an answer; like the built-in switch, not counted.
    if (status < 0) return;
    counted += 1;
    const ring = telemetry.forRelease(revision);
    ring.record(now, bucketIndex(Math.max(0, totalMs)), status >= 500);
    // HAProxy logs the answer the client got: a failed attempt it retried
    // elsewhere is not in it, so attempts and outcomes are both this answer.
    ring.recordOutcome(now, status >= 500, user, feature >= 0 && feature < other ? feature : other);
  };
  const connections = new Set<Socket>();
  const server = createServer((socket) => {
    const reader = new LogLineReader(record);
    connections.add(socket);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      // One clock read per chunk: its lines arrived together.
      now = clock.now();
      monotonic = performance.now();
      const before = reader.unreadable;
      reader.push(chunk);
      unreadable += reader.unreadable - before;
    });
    socket.on('error', () => undefined);
    socket.on('close', () => connections.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : 0,
    get counted() {
      return counted;
    },
    get unreadable() {
      return unreadable;
    },
    lastFinished: (revision) => finished.get(revision),
    forget: (revision) => void finished.delete(revision),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of connections) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
