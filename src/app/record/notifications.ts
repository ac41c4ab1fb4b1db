import type { OutboxOptions, EventOutbox } from '../adapters.js';
import type { AppContext } from '../context.js';

/** Options of `startNotifications`. */
export type NotificationOptions = OutboxOptions;

/**
 * Notification delivery inside `rewind serve`: the outbox the composition root
 * builds from `notifications.channels[]`, fed by every event the controller
 * emits and stopped with the context. Returns null when no channel is configured.
 */
export function startNotifications(ctx: AppContext, options: NotificationOptions = {}): EventOutbox | null {
  const outbox = ctx.adapters.outbox(options);
  if (!outbox) return null;
  // onEvent only writes outbox rows; sending happens in the dispatcher's own loop
  const unsubscribe = ctx.onEvent((event) => void outbox.onEvent(event));
  outbox.start();
  ctx.cleanup.push(async () => {
    unsubscribe();
    await outbox.stop();
  });
  return outbox;
}
