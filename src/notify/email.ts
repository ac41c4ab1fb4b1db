import nodemailer from 'nodemailer';
import type { NotificationMessage, Notifier } from '../core/ports/notifier.js';
import { DeliveryError, redact } from './delivery-error.js';
import { notifierConfigError, requireText } from './http.js';

/** Options of `createEmailNotifier`. */
export interface EmailNotifierOptions {
  /** the channel name routes refer to */
  name: string;
  /** the SMTP server */
  host: string;
  /** usually 465 with `secure`, 587 or 25 without */
  port: number;
  /** TLS from the first byte (port 465); when false STARTTLS is used if offered */
  secure: boolean;
  /** SMTP AUTH user; default none (no authentication) */
  user?: string;
  /** SMTP AUTH password; a secret, never echoed */
  password?: string;
  /** the sender address: `Rewind <rewind@example.com>` */
  from: string;
  /** one or more recipients */
  to: string | string[];
  /** give up on one message after this many ms; default 15 000 */
  timeoutMs?: number;
}

/**
 * E-mail through SMTP with nodemailer. One connection per message:
 * notifications are rare, and a long-lived pool would hold a socket open for
 * nothing. The subject is the title, the body the text and the event's facts.
 */
export function createEmailNotifier(options: EmailNotifierOptions): Notifier {
  const name = requireText(options.name, 'email notifier name');
  const what = `email notifier "${name}"`;
  const host = requireText(options.host, `${what} host`);
  if (!Number.isInteger(options.port) || options.port <= 0 || options.port > 65535)
    throw notifierConfigError(`${what} port must be a TCP port (1–65535)`);
  const from = requireText(options.from, `${what} from`);
  const to = Array.isArray(options.to) ? options.to : [options.to];
  if (to.length === 0 || to.some((address) => typeof address !== 'string' || !address.includes('@'))) {
    throw notifierConfigError(`${what} to must be one or more e-mail addresses`);
  }
  if (options.password && !options.user) throw notifierConfigError(`${what} has a password but no user`);
  const timeoutMs = options.timeoutMs ?? 15_000;
  const secrets = [options.password, options.user];

  return {
    name,
    type: 'email',
    async send(message, signal) {
      const transporter = nodemailer.createTransport({
        host,
        port: options.port,
        secure: options.secure,
        auth: options.user ? { user: options.user, pass: options.password ?? '' } : undefined,
        connectionTimeout: timeoutMs,
        greetingTimeout: timeoutMs,
        socketTimeout: timeoutMs,
      });
      // nodemailer takes no AbortSignal: closing the transport ends the attempt
      const abort = (): void => transporter.close();
      signal?.addEventListener('abort', abort, { once: true });
      try {
        if (signal?.aborted) throw new DeliveryError(`${what}: delivery aborted`, { retryable: true });
        await transporter.sendMail({
          from,
          to,
          subject: message.title.replace(/[\r\n]+/g, ' '),
          text: emailText(message),
          headers: { 'X-Rewind-Event': message.event.type, 'X-Rewind-Delivery': String(message.event.id) },
        });
      } catch (error) {
        throw smtpError(error, what, secrets, signal);
      } finally {
        signal?.removeEventListener('abort', abort);
        transporter.close();
      }
    },
  };
}

/** The plain-text body: the rendered text, then the facts a reader needs. */
export function emailText(message: NotificationMessage): string {
  const { event } = message;
  const lines = [message.text, '', `Event:       ${event.type}`, `Time:        ${new Date(event.at).toISOString()}`];
  if (event.service) lines.push(`Service:     ${event.service}`);
  if (event.environment) lines.push(`Environment: ${event.environment}`);
  if (event.rollbackId) lines.push(`Rollback:    ${event.rollbackId}`);
  lines.push(`Actor:       ${event.actor}`, '', '— Rewind');
  return lines.join('\n');
}

function smtpError(error: unknown, what: string, secrets: (string | undefined)[], signal?: AbortSignal): DeliveryError {
  if (error instanceof DeliveryError) return error;
  if (signal?.aborted) return new DeliveryError(`${what}: delivery aborted`, { retryable: true });
  const detail = error as { code?: unknown; responseCode?: unknown; message?: unknown };
  const code = typeof detail.code === 'string' ? detail.code : 'SMTP error';
  const responseCode = typeof detail.responseCode === 'number' ? detail.responseCode : null;
  // masked before it is cut: a cut through a secret would leave a part no mask matches
  const text = typeof detail.message === 'string' ? redact(detail.message, secrets).slice(0, 200) : '';
  // SMTP 5xx is a permanent refusal (bad address, auth refused); 4xx and network errors pass
  const retryable = responseCode === null || responseCode < 500;
  return new DeliveryError(
    redact(`${what}: ${code}${responseCode ? ` ${responseCode}` : ''}${text ? ` (${text})` : ''}`, secrets),
    {
      retryable,
      status: responseCode,
    },
  );
}
