import type { NotificationMessage, Notifier } from '../core/ports/notifier.js';
import { requireHttpUrl, requireText, sendHttp } from './http.js';

/** Options of `createPagerDutyNotifier`. */
export interface PagerDutyNotifierOptions {
  /** the channel name routes refer to */
  name: string;
  /** the Events API v2 integration (routing) key; a secret, never echoed */
  routingKey: string;
  /** the enqueue endpoint; default https://events.pagerduty.com/v2/enqueue */
  url?: string;
  /** give up on one delivery after this many ms; default 10 000 */
  timeoutMs?: number;
}

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

type Action =
  { event_action: 'trigger'; severity: 'critical' | 'error' | 'warning' | 'info' } | { event_action: 'resolve' };

/**
 * Which PagerDuty action an event maps to: a rollback starting,
 * escalating or failing triggers (escalation and failure as critical, so the
 * incident stays open and louder); completion resolves; nothing else pages.
 */
export function pagerDutyAction(event: NotificationMessage['event']): Action | null {
  switch (event.type) {
    case 'rollback.initiated':
      return { event_action: 'trigger', severity: event.data?.kind === 'drill' ? 'info' : 'error' };
    case 'rollback.escalated':
    case 'rollback.failed':
      return { event_action: 'trigger', severity: 'critical' };
    case 'rollback.completed':
      return { event_action: 'resolve' };
    default:
      return null;
  }
}

/**
 * PagerDuty Events API v2. The dedup_key is the rollback id (the message's
 * dedupKey), so the trigger at the start and the resolve at the end name the same
 * PagerDuty incident, and a retried delivery never opens a second one.
 */
export function createPagerDutyNotifier(options: PagerDutyNotifierOptions): Notifier {
  const name = requireText(options.name, 'pagerduty notifier name');
  const routingKey = requireText(options.routingKey, `pagerduty notifier "${name}" routingKey`);
  const url = requireHttpUrl(options.url ?? PAGERDUTY_EVENTS_URL, `pagerduty notifier "${name}" url`);
  return {
    name,
    type: 'pagerduty',
    async send(message, signal) {
      const body = pagerDutyBody(message, routingKey);
      if (!body) return;
      await sendHttp({
        method: 'POST',
        url,
        body: JSON.stringify(body),
        timeoutMs: options.timeoutMs,
        signal,
        secrets: [routingKey, url === PAGERDUTY_EVENTS_URL ? null : url],
        what: `pagerduty notifier "${name}"`,
      });
    },
  };
}

/** The Events API v2 body, or null when this event does not page. */
export function pagerDutyBody(message: NotificationMessage, routingKey: string): Record<string, unknown> | null {
  const { event } = message;
  const action = pagerDutyAction(event);
  if (!action) return null;
  const dedupKey = event.rollbackId ?? message.dedupKey;
  if (action.event_action === 'resolve') {
    return { routing_key: routingKey, event_action: 'resolve', dedup_key: dedupKey };
  }
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey,
    payload: {
      summary: (message.title || event.message).slice(0, 1024),
      source: `rewind/${event.service ?? 'unknown'}/${event.environment ?? 'unknown'}`,
      severity: action.severity,
      timestamp: new Date(event.at).toISOString(),
      component: event.service ?? undefined,
      group: event.environment ?? undefined,
      class: event.type,
      custom_details: { text: message.text, rollbackId: event.rollbackId, eventId: event.id, ...event.data },
    },
    client: 'Rewind',
  };
}
