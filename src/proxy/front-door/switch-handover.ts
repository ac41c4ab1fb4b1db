/**
 * The controller's side of replacing a builtin switch that serves but cannot
 * be adopted (its run file names another control protocol, or it was started
 * with other options): it is asked `hand-over` on its control socket, naming
 * this Rewind's supervisor, and its worker passes the listening socket to that
 * successor (switch-succession.ts). The old supervisor and worker are then
 * waited for, so the port has one owner when the new front door is announced.
 */
import { controlCall } from './control-channel.js';
import { isOurs } from './files.js';
import type { FrontDoorRun } from './files.js';
import { groupAlive, signal } from './stop.js';
import type { SwitchProcessConfig } from './switch-config.js';
import { thisRewind } from './switch-succession.js';

/** how long the old worker may take to finish its requests once the new one serves, before its group is killed */
const RETIRE_GRACE_MS = 10_000;

/**
 * The successor's pid when the serving switch took the request; undefined when it took none: it does not
 * answer, or it is a switch of a Rewind from before the hand-over (it answers "unknown operation").
 */
export async function askHandOver(config: SwitchProcessConfig, timeoutMs = 3000): Promise<number | undefined> {
  const { node, script } = thisRewind(config);
  try {
    const answer = await controlCall<{ successor?: unknown }>(
      config.paths.control,
      { op: 'hand-over', node, script, config },
      timeoutMs,
    );
    return typeof answer.successor === 'number' && Number.isInteger(answer.successor) ? answer.successor : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Waits for the old front door's group (its supervisor and worker; the successor has a session of its own) to
 * end, killing what is left after RETIRE_GRACE_MS; gives the ms waited.
 */
export async function awaitRetired(old: FrontDoorRun): Promise<number> {
  const began = Date.now();
  const pause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 25));
  // once the supervisor is gone its pid may be reused: its group is looked at only while it was seen ours
  if (!isOurs(old)) return 0;
  while (groupAlive(old.pid) && Date.now() - began < RETIRE_GRACE_MS) await pause();
  if (groupAlive(old.pid)) signal(old.pid, 'SIGKILL');
  while (groupAlive(old.pid) && Date.now() - began < RETIRE_GRACE_MS + 3000) await pause();
  return Date.now() - began;
}
