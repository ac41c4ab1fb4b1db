import { isUserError } from '../core/errors.js';
import type { LoadedConfig } from '../config/load.js';
import { stoppingController } from './stopping.js';

/**
 * Starts a controller; while another one of the same state dir is still
 * stopping (it holds the lock until it exits, within its own bound), waits for
 * it instead of refusing, then tries again.
 */
export async function startWaitingForStopping<T>(
  loaded: LoadedConfig,
  log: (line: string) => void,
  start: () => Promise<T>,
): Promise<T> {
  let said = false;
  for (;;) {
    try {
      return await start();
    } catch (error) {
      const stopping =
        isUserError(error) && error.code === 'CONTROLLER_RUNNING' ? stoppingController(loaded.stateDir) : null;
      if (!stopping) throw error;
      if (!said)
        log(
          `the controller (pid ${stopping.pid}) of ${loaded.stateDir} is stopping; waiting for it (at most ${Math.max(0, Math.ceil((stopping.deadline - Date.now()) / 1000))}s)`,
        );
      said = true;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
