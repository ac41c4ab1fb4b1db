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
 *
 * A request counts in the second it finished (its accept time plus its total
 * time), not the second its line arrived: the lines of the seconds without a
 * controller arrive all at once when the next one listens. That controller
 * also replays what the ring still holds (`replay`), which brings back the
 * seconds the controller before it had counted and took with it; the one
 * instant `since` splits the two roads, so no request counts twice.
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
  /**
   * Counts the lines of a dump of HAProxy's ring (`show events`) that finished
   * before `since` (the instant given to startLogReceiver); lines without an
   * accept time are skipped (their second is unknown). Returns the lines counted.
   */
  replay(dump: string): number;
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
  /**
   * Wall-clock ms from which streamed lines count; those that finished earlier are
   * the replay's (an adopted HAProxy). Default 0: every line counts
   */
  since = 0,
  /** the service's features with `other`: feature indexes beyond are `other` */
  featureCount = 1,
): Promise<LogReceiver> {
  let counted = 0;
  let unreadable = 0;
  let now = 0;
  let monotonic = 0;
  /** the controller's clock minus the wall clock HAProxy stamps lines with (0 but in simulations) */
  let skew = 0;
  const finished = new Map<number, number>();
  /** a line without a feature is `other`, the last of the service's features */
  const other = featureCount - 1;
  const count = (
    revision: number,
    status: number,
    totalMs: number,
    atMs: number,
    user: number,
    feature: number,
  ): void => {
    // -1: the client left before an answer; like the built-in switch, not counted.
    if (status < 0) return;
    counted += 1;
    const ring = telemetry.forRelease(revision);
    ring.record(atMs, bucketIndex(Math.max(0, totalMs)), status >= 500);
    // HAProxy logs the answer the client got: a failed attempt it retried
    // elsewhere is not in it, so attempts and outcomes are both this answer.
    ring.recordOutcome(atMs, status >= 500, user, feature >= 0 && feature < other ? feature : other);
  };
  const record = (
    revision: number,
    status: number,
    totalMs: number,
    acceptedAtMs: number,
    user: number,
    feature: number,
  ): void => {
    if (!known(revision)) return;
    finished.set(revision, monotonic);
    if (acceptedAtMs < 0) return count(revision, status, totalMs, now, user, feature);
    const endedAt = acceptedAtMs + Math.max(0, totalMs);
    if (endedAt >= since) count(revision, status, totalMs, endedAt + skew, user, feature);
  };
  const connections = new Set<Socket>();
  const server = createServer((socket) => {
    const reader = new LogLineReader(record);
    connections.add(socket);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      // One clock read per chunk: its lines arrived together.
      now = clock.now();
      skew = now - Date.now();
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
    replay: (dump) => {
      const before = counted;
      const offset = clock.now() - Date.now();
      const reader = new LogLineReader((revision, status, totalMs, acceptedAtMs, user, feature) => {
        const endedAt = acceptedAtMs + Math.max(0, totalMs);
        if (acceptedAtMs >= 0 && endedAt < since && known(revision))
          count(revision, status, totalMs, endedAt + offset, user, feature);
      });
      reader.push(Buffer.from(dump.endsWith('\n') ? dump : `${dump}\n`, 'latin1'));
      return counted - before;
    },
    forget: (revision) => void finished.delete(revision),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of connections) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
