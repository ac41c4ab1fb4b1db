/**
 * A controller that is stopping still holds its state dir's lock until it exits
 * (at most `controller.stopTimeout` after SIGTERM). It says so in
 * `<stateDir>/controller.stopping` (pid and deadline), so a `rewind serve`
 * started meanwhile waits for it, bounded by that deadline, instead of being
 * refused; the lock itself dies with the process, however it ends.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface Stopping {
  pid: number;
  /** epoch ms by which it will have exited */
  deadline: number;
}

const fileOf = (stateDir: string): string => join(stateDir, 'controller.stopping');

export function markStopping(stateDir: string, boundMs: number): () => void {
  const file = fileOf(stateDir);
  try {
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(file, JSON.stringify({ pid: process.pid, deadline: Date.now() + boundMs } satisfies Stopping));
  } catch {
    // advisory only: a new controller is refused instead of waiting, as before
  }
  return () => rmSync(file, { force: true });
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** The stopping controller of this state dir, while it is alive and inside its bound; else null. */
export function stoppingController(stateDir: string): Stopping | null {
  try {
    const found = JSON.parse(readFileSync(fileOf(stateDir), 'utf8')) as Stopping;
    if (typeof found.pid !== 'number' || typeof found.deadline !== 'number') return null;
    return found.pid !== process.pid && alive(found.pid) && found.deadline > Date.now() - 1000 ? found : null;
  } catch {
    return null;
  }
}
