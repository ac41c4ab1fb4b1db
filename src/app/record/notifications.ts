import type { OutboxOptions, EventOutbox } from '../adapters.js';
import type { AppContext } from '../context.js';
import { onConfigApplied } from '../ops/reload.js';

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

/**
 * Notification delivery that follows `rewind reload`: when the channels, routes
 * or templates change, the outbox is rebuilt from the new config (rows already
 * queued are delivered by the new one). Returns the stop.
 */
export function followNotifications(ctx: AppContext, options: NotificationOptions = {}): () => Promise<void> {
  let current = start(ctx, options);
  const off = onConfigApplied(ctx, async (changes) => {
    if (!changes.some((c) => c.path.startsWith('notifications.'))) return;
    await current.stop();
    current = start(ctx, options);
  });
  return async () => {
    off();
    await current.stop();
  };
}

function start(ctx: AppContext, options: NotificationOptions): { stop(): Promise<void> } {
  const outbox = ctx.adapters.outbox(options);
  if (!outbox) return { stop: async () => undefined };
  const unsubscribe = ctx.onEvent((event) => void outbox.onEvent(event));
  outbox.start();
  return {
    async stop() {
      unsubscribe();
      await outbox.stop();
    },
  };
}
