/**
 * Receives HAProxy's per-request log lines (`<server> <status> <total ms>
 * <retries>`, raw format over UDP on loopback) and counts each one into the
 * same per-release one-second telemetry the built-in switch fills, so triggers,
 * the judge and reports read both routers alike. Servers are named
 * `r<revision>-<n>` (`b…` as a warm backup); requests HAProxy answered itself (`<NOSRV>`) belong to no
 * release.
 */
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import type { Clock } from '../../core/clock.js';
import { bucketIndex } from '../latency-histogram.js';
import type { TelemetryStore } from '../telemetry.js';

export interface LogReceiver {
  readonly port: number;
  /** lines counted, and lines that could not be read */
  readonly counted: number;
  readonly unreadable: number;
  close(): Promise<void>;
}

const LINE = /^[rb](\d+)-\d+ (-?\d+) (-?\d+) /;

export async function startLogReceiver(
  telemetry: TelemetryStore,
  known: (revision: number) => boolean,
  clock: Clock,
): Promise<LogReceiver> {
  const socket: Socket = createSocket('udp4');
  let counted = 0;
  let unreadable = 0;
  socket.on('message', (message: Buffer) => {
    const line = message.toString('latin1');
    const match = LINE.exec(line);
    if (match === null) {
      if (!line.startsWith('<NOSRV>')) unreadable += 1;
      return;
    }
    const revision = Number(match[1]);
    const status = Number(match[2]);
    const totalMs = Number(match[3]);
    if (!known(revision)) return;
    // -1: the client left before an answer; like the built-in switch, not counted.
    if (status < 0) return;
    counted += 1;
    telemetry.forRelease(revision).record(clock.now(), bucketIndex(Math.max(0, totalMs)), status >= 500);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      socket.off('error', reject);
      resolve();
    });
  });
  // Bursts of short lines: a larger receive buffer keeps the kernel from dropping them.
  try {
    socket.setRecvBufferSize(8 * 1024 * 1024);
  } catch {
    // capped by net.core.rmem_max; the default still works at moderate rates
  }
  return {
    port: socket.address().port,
    get counted() {
      return counted;
    },
    get unreadable() {
      return unreadable;
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
