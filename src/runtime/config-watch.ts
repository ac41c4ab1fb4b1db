import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { userInfo } from 'node:os';
import { errorMessage } from '../core/errors.js';
import type { AppContext } from '../app/context.js';
import { configPath, reloadConfig } from '../app/ops/reload.js';

/** Who a reload the controller started itself is recorded as: the user running `rewind serve`. */
const localUser = (): string => {
  try {
    return userInfo().username;
  } catch {
    return 'local';
  }
};

/**
 * `rewind serve` follows its rewind.yaml: a change on disk (watched through its
 * directory, so an editor's write-and-rename is seen too) or SIGHUP reloads it,
 * a moment after the last write. Each outcome is a line of the controller's log;
 * the diff and who asked are an event. Returns the stop.
 */
export function followConfigFile(ctx: AppContext, log: (line: string) => void, settleMs = 300): () => void {
  const path = configPath(ctx);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const reload = (via: string) => {
    running = running.then(async () => {
      try {
        const result = await reloadConfig(ctx, { actor: { name: `${localUser()} (${via})` }, via });
        if (!result.changed) return;
        log(`config reloaded (${via}):`);
        for (const line of result.lines) log(`  ${line}`);
      } catch (error) {
        log(`config not reloaded (${via}): ${errorMessage(error)}`);
      }
    });
  };
  const later = (via: string) => {
    clearTimeout(timer);
    timer = setTimeout(() => reload(via), settleMs);
    timer.unref();
  };
  let watcher: FSWatcher | null = null;
  try {
    watcher = watch(dirname(path), { persistent: false }, (_event, name) => {
      if (name === null || name.toString() === basename(path)) later(`${basename(path)} changed`);
    });
    watcher.on('error', (error) =>
      log(`config watch stopped: ${errorMessage(error)}; SIGHUP and rewind reload still work`),
    );
  } catch (error) {
    log(`cannot watch ${path}: ${errorMessage(error)}; SIGHUP and rewind reload still work`);
  }
  const onHangup = () => later('SIGHUP');
  process.on('SIGHUP', onHangup);
  return () => {
    clearTimeout(timer);
    watcher?.close();
    process.off('SIGHUP', onHangup);
  };
}
