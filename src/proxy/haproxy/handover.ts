/**
 * The controller's side of replacing an HAProxy front door that still serves
 * but cannot be adopted (another control protocol, an unsupervised HAProxy
 * from an older Rewind, one whose supervisor died): the new one binds before
 * the old one stops listening wherever the old one can give its socket away.
 *
 * 1. The old supervisor answers `hand-over` on the control socket: it forks
 *    the new supervisor and hands it the listening socket itself; no
 *    connection is refused (supervisor-handover.ts).
 * 2. Otherwise the old HAProxy is left alone serving (its supervisor, if any,
 *    SIGKILLed so that it starts no other one and lets the socket go), and the
 *    new supervisor's bind helper soft-stops it and binds at once: its requests
 *    in flight finish, the port is closed for a few milliseconds.
 *
 * Either way the old processes are waited for (at most HAND_OVER_GRACE_MS, then
 * stopped), so the port has one owner when the new front door is announced.
 */
import { connect } from 'node:net';
import type { Clock } from '../../core/clock.js';
import { isOurs } from '../front-door/files.js';
import type { FrontDoorRun } from '../front-door/files.js';
import type { HandOverReply, HandOverRequest, HaproxyProcess } from './haproxy-process.js';
import { RETIRING_VAR } from './haproxy-config.js';
import { stopHaproxy } from './haproxy-process.js';
import { runtimeCommand } from './runtime-api.js';

/** how long the old HAProxy may take to finish its connections once the new one serves */
const HAND_OVER_GRACE_MS = 10_000;

/**
 * Asks the old HAProxy to have each client close its connection after its next
 * answer (haproxy-config.ts); an HAProxy from an older Rewind has no such rule,
 * and closes its idle connections at its soft stop instead.
 */
export async function markRetiring(adminSocket: string): Promise<void> {
  await runtimeCommand(adminSocket, `experimental-mode on; set var proc.${RETIRING_VAR} int(1)`, 1000).catch(() => '');
}

/** The successor's pid when the old supervisor took the request; undefined when it has no hand-over socket. */
export function askHandOver(
  socketPath: string,
  request: HandOverRequest,
  timeoutMs = 3000,
): Promise<number | undefined> {
  return new Promise((resolve) => {
    const socket = connect(socketPath);
    let text = '';
    const done = (pid: number | undefined): void => {
      socket.destroy();
      resolve(pid);
    };
    socket.setTimeout(timeoutMs, () => done(undefined));
    socket.once('error', () => done(undefined));
    socket.once('connect', () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.once('end', () => {
      try {
        const reply = JSON.parse(text) as HandOverReply;
        done('successor' in reply && Number.isInteger(reply.successor) ? reply.successor : undefined);
      } catch {
        done(undefined);
      }
    });
  });
}

/** The processes of the front door `run` names that are alive: its supervisor (when ours) and its HAProxy. */
export function oldProcesses(run: FrontDoorRun): { supervisor?: HaproxyProcess; haproxy?: HaproxyProcess } {
  const lead = { pid: run.pid, startTime: run.startTime };
  if (run.workerPid === undefined) return isOurs(lead) ? { haproxy: lead } : {};
  const worker = { pid: run.workerPid, startTime: run.workerStartTime ?? null };
  return { ...(isOurs(lead) ? { supervisor: lead } : {}), ...(isOurs(worker) ? { haproxy: worker } : {}) };
}

/**
 * For a hand-over without the old supervisor's help: SIGKILLs that supervisor
 * (not its group: its HAProxy serves on) and gives the HAProxy it leaves.
 */
export async function leaveHaproxyAlone(run: FrontDoorRun, clock: Clock): Promise<HaproxyProcess | undefined> {
  const { supervisor, haproxy } = oldProcesses(run);
  if (supervisor) {
    process.kill(supervisor.pid, 'SIGKILL');
    const deadline = clock.now() + 3000;
    while (isOurs(supervisor) && clock.now() < deadline) await clock.sleep(10);
  }
  return haproxy;
}

/** Waits for the processes of the front door `run` named to end (their connections finished); stops what is left after the grace. */
export async function awaitRetired(run: FrontDoorRun, clock: Clock): Promise<number> {
  const { supervisor, haproxy } = oldProcesses(run);
  const old = [supervisor, haproxy].filter((proc): proc is HaproxyProcess => proc !== undefined);
  const began = clock.now();
  const deadline = began + HAND_OVER_GRACE_MS;
  while (old.some((proc) => isOurs(proc)) && clock.now() < deadline) await clock.sleep(25);
  for (const proc of old) await stopHaproxy(proc, clock);
  return clock.now() - began;
}
