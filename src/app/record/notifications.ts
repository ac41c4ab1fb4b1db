import { join } from 'node:path';
import type { LoadedConfig } from '../../config/load.js';
import {
  createFileState,
  createNotifierFromChannel,
  createOutboxDispatcher,
  type OutboxDispatcher,
} from '../../notify/index.js';
import type { AppContext } from '../context.js';

/** Options of `startNotifications`. */
export interface NotificationOptions {
  /** how often the outbox looks for due rows when nothing wakes it; default the dispatcher's 1 s */
  pollMs?: number;
  /** how long one send may take; default the dispatcher's 30 s */
  sendTimeoutMs?: number;
}

/**
 * Notification delivery inside `rewind serve`: one notifier per
 * `notifications.channels[]`, the routes and templates of the config, and the
 * outbox dispatcher fed by every event the controller emits. Status page
 * incident ids live in `<stateDir>/notify-state.json` so a restart updates the
 * same incident. Returns null when no channel is configured.
 */
export function startNotifications(
  ctx: AppContext,
  loaded: LoadedConfig,
  options: NotificationOptions = {},
): OutboxDispatcher | null {
  const { channels, routes, templates } = loaded.config.notifications;
  if (channels.length === 0) return null;
  const state = createFileState(join(loaded.stateDir, 'notify-state.json'));
  const notifiers = channels.map((channel) => createNotifierFromChannel(channel, { state, templates }));
  const outbox = createOutboxDispatcher({
    store: ctx.store,
    notifiers,
    routes,
    templates,
    clock: ctx.clock,
    ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
    ...(options.sendTimeoutMs !== undefined ? { sendTimeoutMs: options.sendTimeoutMs } : {}),
    log: ({ level, message, channel }) => {
      // the row keeps the error; the log says which channel, never the URL (secrets)
      if (level !== 'info') process.stderr.write(`notify${channel ? ` [${channel}]` : ''}: ${ctx.redact(message)}\n`);
    },
  });
  // onEvent only writes outbox rows; sending happens in the dispatcher's own loop
  const unsubscribe = ctx.onEvent((event) => void outbox.onEvent(event));
  outbox.start();
  ctx.cleanup.push(async () => {
    unsubscribe();
    await outbox.stop();
  });
  return outbox;
}
