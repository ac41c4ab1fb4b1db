import { join } from 'node:path';
import { createFileState, createNotifierFromChannel, createOutboxDispatcher } from '../../notify/index.js';
import type { EventOutbox, OutboxOptions } from '../adapters.js';
import type { AppContext } from '../context.js';

/**
 * One notifier per `notifications.channels[]`, the routes and templates of the
 * config, and the outbox dispatcher over the context's store (a leader's fenced
 * view when one leads). Status page incident ids live in
 * `<stateDir>/notify-state.json` so a restart updates the same incident. Null
 * when no channel is configured.
 */
export function buildOutbox(ctx: AppContext, options: OutboxOptions = {}): EventOutbox | null {
  const { channels, routes, templates } = ctx.loaded.config.notifications;
  if (channels.length === 0) return null;
  const state = createFileState(join(ctx.loaded.stateDir, 'notify-state.json'));
  const notifiers = channels.map((channel) => createNotifierFromChannel(channel, { state, templates }));
  return createOutboxDispatcher({
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
}
