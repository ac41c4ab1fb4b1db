/**
 * HAProxy's front door handed to a successor without the port ever closing,
 * the idea of the builtin switch's succession (switch-succession.ts) asked for
 * by a controller: a supervisor that serves listens on the front door's
 * control socket for one request, `hand-over`, which names the supervisor
 * script and config of the controller that cannot adopt it (another protocol,
 * another Rewind). It forks that successor detached, in its own session, and
 * hands it the listening socket over the fork's IPC channel (SCM_RIGHTS); the
 * successor starts its HAProxy on that socket, writes the run file, and says
 * so; then this supervisor's HAProxy stops accepting (SIGTTOU, which leaves a
 * shared socket listening), answers what its connections still ask for DRAIN_MS,
 * is soft-stopped (SIGUSR1: it finishes its connections) and the supervisor
 * exits with it. One socket all
 * along: both HAProxies accept from the same kernel queue for a moment, none
 * is refused. `hand-over` is the one request this socket will always take,
 * whatever the control protocol becomes.
 *
 * The helper that binds for a supervisor replacing an HAProxy that has no
 * such socket (one from an older Rewind, or one whose supervisor died) pauses
 * that HAProxy when the port is taken and binds again at once (`bindAndHandOver`):
 * its connections go on and its requests in flight finish, but the port is
 * closed for the millisecond or so between its pause and the new bind — HAProxy's
 * own `-sf` reload without socket transfer, all that an HAProxy without
 * `expose-fd listeners` allows.
 */
import { fork } from 'node:child_process';
import type { SendHandle } from 'node:child_process';
import { chmodSync, closeSync, openSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { isOurs } from '../front-door/files.js';
import type { HandOverReply, HandOverRequest, HaproxySupervisorConfig } from './haproxy-process.js';

export type SuccessionMessage = { type: 'listening' } | { type: 'succeeded' };
export type BindMessage = { type: 'bound' } | { type: 'failed'; message: string };

/**
 * How long an HAProxy being replaced, no longer accepting, goes on answering the
 * connections it has before its soft stop: the controller set its `retiring`
 * variable, so each client closes its connection after its next answer (a
 * client reuses a kept-alive connection well within this).
 */
export const DRAIN_MS = 1000;
/** how long the helper retries its bind after pausing the HAProxy it replaces */
const REBIND_MS = 5000;
/** a paused HAProxy that still holds the port after this is soft-stopped instead */
const PAUSE_MS = 300;

/**
 * The serving supervisor's side: takes one hand-over request on `socketPath`;
 * `succeeded` runs once the successor's HAProxy serves.
 */
export function serveHandOver(
  socketPath: string,
  listening: SendHandle,
  log: (line: string) => void,
  succeeded: () => void,
): void {
  let handing = false;
  rmSync(socketPath, { force: true });
  const server = createServer((socket) => {
    let text = '';
    const reply = (value: HandOverReply): void => void socket.end(`${JSON.stringify(value)}\n`);
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (!text.includes('\n')) return;
      try {
        const request = JSON.parse(text) as HandOverRequest;
        if (request.op !== 'hand-over') return reply({ error: `unknown operation ${String(request.op)}` });
        if (handing) return reply({ error: 'a hand-over is already under way' });
        handing = true;
        reply({ successor: forkSuccessor(request, listening, log, succeeded, () => (handing = false)) });
      } catch (error) {
        reply({ error: error instanceof Error ? error.message : String(error) });
      }
    });
  });
  server.once('error', (error) => log(`no hand-over socket: ${error.message}`));
  // never closed: closing would unlink the path, which the successor's own socket takes over
  server.listen(socketPath, () => chmodSync(socketPath, 0o600));
  server.unref();
}

function forkSuccessor(
  request: HandOverRequest,
  listening: SendHandle,
  log: (line: string) => void,
  succeeded: () => void,
  failed: () => void,
): number {
  const out = openSync(request.config.paths.log, 'a', 0o600);
  const successor = fork(request.script, [JSON.stringify(request.config), '--succeed'], {
    execPath: request.node,
    detached: true,
    stdio: ['ignore', out, out, 'ipc'],
  });
  closeSync(out);
  if (successor.pid === undefined) throw new Error('the successor did not start');
  log(`handing the listening socket to successor ${successor.pid}`);
  successor.once('spawn', () => successor.send({ type: 'listening' } satisfies SuccessionMessage, listening));
  let took = false;
  successor.on('message', (message: SuccessionMessage) => {
    if (message.type !== 'succeeded') return;
    took = true;
    successor.disconnect();
    successor.unref();
    log(`successor ${successor.pid ?? '?'} serves: this HAProxy finishes its connections and stops`);
    succeeded();
  });
  successor.once('exit', (code) => {
    if (took) return;
    log(`successor ended (exit ${code ?? '?'}) before taking over; this supervisor serves on`);
    failed();
  });
  return successor.pid;
}

/** The successor's side: the listening socket its predecessor sends. */
export function receiveListening(): Promise<{ fd?: number } | undefined> {
  // the predecessor exits once it has handed over: that is no reason to stop
  process.on('disconnect', () => undefined);
  return new Promise((resolve) => {
    process.once('message', (message: SuccessionMessage, handle: { fd?: number } | undefined) =>
      resolve(message.type === 'listening' ? handle : undefined),
    );
  });
}

/** Once this supervisor's HAProxy serves: the predecessor is told, or the HAProxy it replaces soft-stopped. */
export function succeeded(config: HaproxySupervisorConfig): void {
  if (process.connected) process.send?.({ type: 'succeeded' } satisfies SuccessionMessage);
  const old = config.replaces;
  if (old) setTimeout(() => void (isOurs(old) && process.kill(old.pid, 'SIGUSR1')), DRAIN_MS);
}

/**
 * The bind helper: binds the front door and hands the socket to its supervisor.
 * Replacing an HAProxy that holds the port, it does what HAProxy's own reload
 * does without socket transfer: pauses it (SIGTTOU: it stops listening, its
 * connections go on), binds, and resumes it (SIGTTIN) if the bind fails; its
 * soft stop comes once the new HAProxy serves (`succeeded`). An HAProxy whose
 * socket was inherited from its dead supervisor would keep it listening when
 * paused: it is soft-stopped after DRAIN_MS instead, its socket closing with
 * it; and one that still holds the port PAUSE_MS after its pause is too.
 */
export function bindAndHandOver(config: HaproxySupervisorConfig): void {
  const send = (message: BindMessage, handle?: object): void =>
    void process.send?.(message, handle as SendHandle, {}, () => process.exit(0));
  const old = config.replaces;
  const signal = (name: NodeJS.Signals): void => void (old && isOurs(old) && process.kill(old.pid, name));
  let pausedAt: number | undefined;
  let stopped = false;
  const attempt = (): void => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      const now = Date.now();
      if (error.code !== 'EADDRINUSE' || old === undefined || now - (pausedAt ?? now) > REBIND_MS) {
        if (!stopped) signal('SIGTTIN');
        return send({ type: 'failed', message: error.message });
      }
      if (pausedAt === undefined) {
        pausedAt = now;
        if (old.inherited) {
          // paused, it would keep the socket listening with nobody accepting: it answers DRAIN_MS more
          // (each client closing after its answer), then its soft stop closes the socket
          return void setTimeout(() => {
            signal('SIGUSR1');
            stopped = true;
            attempt();
          }, DRAIN_MS);
        }
        signal('SIGTTOU');
      }
      if (!stopped && now - pausedAt > PAUSE_MS) signal('SIGUSR1');
      stopped ||= now - pausedAt > PAUSE_MS;
      setTimeout(attempt, 1);
    });
    server.listen(config.port, config.host, () =>
      send({ type: 'bound' }, (server as unknown as { _handle: object })._handle),
    );
  };
  attempt();
}
