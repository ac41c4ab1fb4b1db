/**
 * How a serving worker gives its listening socket to a successor supervisor,
 * the one road for two occasions:
 * - its own supervisor died (SIGKILL, OOM, a bug) while it serves: it forks a
 *   successor of its own Rewind (`thisRewind`) and no controller is needed;
 * - a controller that cannot adopt this switch (another control protocol,
 *   other options) asks `hand-over` on the control socket, naming its own
 *   node, supervisor script and config: the successor is the new Rewind's.
 * Either way the successor is forked detached, in its own session like the
 * first supervisor, and sent the listening socket over the fork's IPC channel;
 * it forks a fresh worker on that socket and writes the run file; once that
 * worker serves, this one stops accepting, finishes its requests in flight and
 * exits (and its supervisor, if alive, with it). The socket never stops
 * listening, so no connection is refused. If the successor cannot start, this
 * worker serves on. `hand-over` and the two SuccessionMessages are the part of
 * the control channel that never changes, whatever CONTROL_PROTOCOL becomes:
 * that is what lets any later Rewind take the socket over. The control socket
 * is owner-only, so only the owner can name the script that is run.
 */
import { fork } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SuccessionMessage, SwitchProcessConfig } from './switch-config.js';

const SUPERVISOR = fileURLToPath(new URL('./switch-supervisor.js', import.meta.url));
/** a successor that does not serve within this is given up on (this worker serves on) */
const SUCCESSION_TIMEOUT_MS = 15_000;

/** The supervisor to fork: a node binary, its script, and the config it starts with. */
export interface Successor {
  node: string;
  script: string;
  config: SwitchProcessConfig;
}

/** A successor of the Rewind this process runs: a worker's whose supervisor died, or what a controller asks for. */
export const thisRewind = (config: SwitchProcessConfig): Successor => ({
  node: process.execPath,
  script: SUPERVISOR,
  config,
});

/**
 * Forks `successor` and hands it `listening`; `done` runs once its worker serves, `failed` when it ends
 * (or does not serve in time) before. Returns the successor's pid.
 */
export function handOver(
  successor: Successor,
  listening: object,
  why: string,
  done: () => void,
  failed: () => void = () => undefined,
): number {
  const { config } = successor;
  const log = (line: string): void =>
    void process.stderr.write(`${new Date().toISOString()} front door ${config.service}: ${line}\n`);
  const out = openSync(config.paths.log, 'a', 0o600);
  const child = fork(successor.script, [JSON.stringify(config), '--succeed'], {
    execPath: successor.node,
    detached: true,
    stdio: ['ignore', out, out, 'ipc'],
  });
  closeSync(out);
  if (child.pid === undefined) throw new Error('the successor supervisor did not start');
  log(`worker ${process.pid}: ${why}; successor ${child.pid} takes over the socket`);
  let settled = false;
  const giveUp = (reason: string): void => {
    if (settled) return;
    settled = true;
    log(`successor ${child.pid ?? '?'} ${reason}; worker ${process.pid} serves on`);
    failed();
  };
  const timer = setTimeout(() => {
    giveUp('did not serve in time');
    if (child.connected) child.disconnect();
  }, SUCCESSION_TIMEOUT_MS);
  child.once('spawn', () => {
    const message: SuccessionMessage = { type: 'listening' };
    child.send(message, listening as Parameters<typeof child.send>[1]);
  });
  child.on('message', (message: SuccessionMessage) => {
    if (message.type !== 'succeeded' || settled) return;
    settled = true;
    clearTimeout(timer);
    child.disconnect();
    child.unref();
    log(`successor ${child.pid ?? '?'} serves: worker ${process.pid} finishes its requests and exits`);
    done();
  });
  child.once('exit', (code) => {
    clearTimeout(timer);
    giveUp(`ended (exit ${code ?? '?'}) before taking over`);
  });
  return child.pid;
}
