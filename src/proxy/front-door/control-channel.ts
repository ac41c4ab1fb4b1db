/**
 * The front door's control channel: one JSON request per connection on a Unix
 * socket, answered by one JSON line (the way HAProxy's runtime API answers one
 * command per connection). The socket lives in an owner-only folder and is
 * itself mode 0600: another user of the host cannot connect.
 */
import { chmodSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import type { Server } from 'node:net';
import type { Upstream } from '../types.js';
import type { UserBucketRow } from '../users/release-users.js';
import type { SwitchProcessConfig } from './switch-config.js';

export interface FrontDoorState {
  protocol: number;
  pid: number;
  workerPid: number;
  host: string;
  port: number;
  /** revision → upstreams the front door routes to */
  releases: Record<string, Upstream[]>;
  /** revision → percent, as the front door applies them now */
  weights: Record<string, number>;
  /** revision → requests in flight */
  inFlight: Record<string, number>;
  /** times the serving worker was restarted by its supervisor, and the last restart's time (ms) */
  restarts: number;
  lastRestartAt: number | null;
  /** ms from the last worker's death to this worker serving: the front door's own gap */
  lastGapMs: number | null;
}

/**
 * One telemetry second: [second, requests, 5xx, longest 5xx streak, sparse
 * histogram [bucket, count, …], requests as users met them, those that failed].
 */
export type TelemetryRow = [number, number, number, number, number[], number?, number?];

export interface TelemetryExport {
  /** revision → its retained seconds since the asked second, and the ages (ms) of its requests in flight */
  releases: Record<string, { rows: TelemetryRow[]; pending: number[]; users?: UserBucketRow[] }>;
}

export type ControlRequest =
  | { op: 'state' }
  | { op: 'apply'; releases: Record<string, Upstream[]>; weights: Record<string, number> }
  | { op: 'drain'; revision: number; timeoutMs: number }
  | { op: 'telemetry'; since: number }
  /**
   * The one request every switch takes from this version on, whatever the protocol becomes: fork the
   * supervisor `script` (run by `node`) with `config` and hand it the listening socket (switch-succession.ts).
   * The answer is `{ successor: pid }`.
   */
  | { op: 'hand-over'; node: string; script: string; config: SwitchProcessConfig };

export type ControlAnswer = { ok: true; result: unknown } | { ok: false; error: string };

/** Serves the channel on `socketPath` (replacing a stale socket file); each request goes to `handle`. */
export function serveControl(
  socketPath: string,
  handle: (request: ControlRequest) => Promise<unknown>,
): Promise<Server> {
  rmSync(socketPath, { force: true });
  const server = createServer((socket) => {
    let buffered = '';
    socket.setEncoding('utf8');
    socket.on('error', () => undefined);
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      const end = buffered.indexOf('\n');
      if (end < 0) {
        if (buffered.length > 1_000_000) socket.destroy();
        return;
      }
      let answer: Promise<ControlAnswer>;
      try {
        const request = JSON.parse(buffered.slice(0, end)) as ControlRequest;
        answer = handle(request).then(
          (result) => ({ ok: true as const, result }),
          (error: unknown) => ({ ok: false as const, error: error instanceof Error ? error.message : String(error) }),
        );
      } catch {
        answer = Promise.resolve({ ok: false, error: 'the request is not one line of JSON' });
      }
      buffered = '';
      void answer.then((reply) => socket.end(`${JSON.stringify(reply)}\n`));
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    // created owner-only from the start: no window in which another user could connect
    const mask = process.umask(0o177);
    server.listen(socketPath, () => {
      process.umask(mask);
      chmodSync(socketPath, 0o600);
      server.off('error', reject);
      resolve(server);
    });
  });
}

/** The code of the error `controlCall` rejects with when the front door answered, but with an error. */
export const REFUSED = 'FRONT_DOOR_REFUSED';

/** Sends one request; rejects when the front door does not answer within `timeoutMs` or answers an error. */
export function controlCall<T>(socketPath: string, request: ControlRequest, timeoutMs = 3000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const socket = connect(socketPath);
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`front door control ${socketPath} did not answer "${request.op}" within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      let answer: ControlAnswer;
      try {
        answer = JSON.parse(text) as ControlAnswer;
      } catch {
        reject(new Error(`front door control ${socketPath} closed without an answer to "${request.op}"`));
        return;
      }
      if (answer.ok) resolve(answer.result as T);
      else reject(Object.assign(new Error(`front door refused "${request.op}": ${answer.error}`), { code: REFUSED }));
    });
  });
}
