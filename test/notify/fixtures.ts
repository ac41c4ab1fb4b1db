import type { RewindEvent } from '../../src/core/model.js';
import type { NotificationMessage } from '../../src/core/ports/notifier.js';
import { renderMessage } from '../../src/notify/templates.js';

let nextId = 1;

/** A RewindEvent as the store returns it, for the rollback `rb_test1` of api/production. */
export function makeEvent(
  type: string,
  data: Record<string, unknown> = {},
  patch: Partial<RewindEvent> = {},
): RewindEvent {
  return {
    id: nextId++,
    at: Date.UTC(2026, 10, 21, 14, 3, 7, 250),
    type,
    service: 'api',
    environment: 'production',
    rollbackId: 'rb_test1',
    revision: 7,
    actor: 'rewind',
    message: `${type} happened`,
    data,
    ...patch,
  };
}

/** The message the dispatcher would hand a notifier, rendered with the default templates. */
export function makeMessage(event: RewindEvent): NotificationMessage {
  const { title, text } = renderMessage(event);
  return { event, title, text, dedupKey: event.rollbackId ?? `event-${event.id}` };
}

export const initiatedData = {
  kind: 'automatic',
  fromRevision: 7,
  toRevision: 6,
  fromVersion: 'v1.4.0',
  toVersion: 'v1.3.2',
  reason: 'error rate 14% above 10% for 5m',
  steps: ['start', 'await-healthy', 'shift-traffic', 'retire', 'watch'],
};
