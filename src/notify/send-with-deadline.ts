import type { NotificationMessage, Notifier } from '../core/ports/notifier.js';
import { linkedSignal } from '../core/linked-signal.js';

/**
 * One `send` with a time limit. The notifier gets a signal that fires after
 * `timeoutMs` or when `parent` fires (the dispatcher stopping); a notifier that
 * ignores its signal is still abandoned a second later, so no channel can hang
 * its worker forever (a channel that is down delays only itself).
 */
export async function sendWithDeadline(
  notifier: Notifier,
  message: NotificationMessage,
  timeoutMs: number,
  parent: AbortSignal,
): Promise<void> {
  const linked = linkedSignal(timeoutMs, parent);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${notifier.type} notifier "${notifier.name}" gave no answer within ${timeoutMs}ms`)),
      timeoutMs + 1_000,
    );
  });
  try {
    await Promise.race([notifier.send(message, linked.signal), deadline]);
  } finally {
    clearTimeout(timer);
    linked.dispose();
  }
}
