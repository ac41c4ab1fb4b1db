import { createHmac } from 'node:crypto';
import type { NotificationMessage, Notifier } from '../core/ports/notifier.js';
import { requireHttpUrl, requireText, sendHttp } from './http.js';

/** Options of `createWebhookNotifier`. */
export interface WebhookNotifierOptions {
  /** the channel name routes refer to */
  name: string;
  /** where to POST; may carry a token in its query, so it is never echoed */
  url: string;
  /** when set, every body is signed: `X-Rewind-Signature: sha256=<hex HMAC>`; default unsigned */
  secret?: string;
  /** give up on one delivery after this many ms; default 10 000 */
  timeoutMs?: number;
}

export const SIGNATURE_HEADER = 'X-Rewind-Signature';

/**
 * A generic JSON webhook. The body is the event exactly as the store
 * and the API show it (id, at, type, service, environment, rollbackId, revision,
 * actor, message, data) plus the rendered `title` and `text`. With a secret, the
 * receiver checks `X-Rewind-Signature` = `sha256=` + hex HMAC-SHA256 of the exact
 * body bytes; `X-Rewind-Event` and `X-Rewind-Delivery` (the event id, stable
 * across retries) help it route and deduplicate.
 */
export function createWebhookNotifier(options: WebhookNotifierOptions): Notifier {
  const name = requireText(options.name, 'webhook notifier name');
  const url = requireHttpUrl(options.url, `webhook notifier "${name}" url`);
  const secret = options.secret;
  return {
    name,
    type: 'webhook',
    async send(message, signal) {
      const body = webhookBody(message);
      const headers: Record<string, string> = {
        'X-Rewind-Event': message.event.type,
        'X-Rewind-Delivery': String(message.event.id),
      };
      if (secret) headers[SIGNATURE_HEADER] = signBody(body, secret);
      await sendHttp({
        method: 'POST',
        url,
        body,
        headers,
        timeoutMs: options.timeoutMs,
        signal,
        secrets: [url, secret],
        what: `webhook notifier "${name}"`,
      });
    },
  };
}

/** The exact JSON text sent: the event's fields, then title and text. */
export function webhookBody(message: NotificationMessage): string {
  const { event } = message;
  return JSON.stringify({
    id: event.id,
    at: event.at,
    type: event.type,
    service: event.service,
    environment: event.environment,
    rollbackId: event.rollbackId,
    revision: event.revision,
    actor: event.actor,
    message: event.message,
    data: event.data,
    title: message.title,
    text: message.text,
  });
}

/** `sha256=<hex>` of the body bytes (UTF-8) keyed with the secret. */
export function signBody(body: string | Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}
