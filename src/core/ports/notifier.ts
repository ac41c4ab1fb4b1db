import type { RewindEvent } from '../model.js';

/**
 * The Notifier port (DESIGN.md): `send(event)`; it may throw (the outbox retries),
 * but it never runs on a rollback's path: delivery is in the background.
 */
export interface NotificationMessage {
  event: RewindEvent;
  /** rendered text from templates, per audience */
  title: string;
  text: string;
  /** stable key for deduplication at the receiver (PagerDuty dedup_key) */
  dedupKey: string;
}

export interface Notifier {
  readonly name: string;
  readonly type: string;
  send(message: NotificationMessage, signal?: AbortSignal): Promise<void>;
}
