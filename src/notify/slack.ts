import type { NotificationMessage, Notifier } from '../core/ports/notifier.js';
import { requireHttpUrl, requireText, sendHttp } from './http.js';

/** Options of `createSlackNotifier`. */
export interface SlackNotifierOptions {
  /** the channel name routes refer to */
  name: string;
  /** the incoming webhook URL; a secret (it alone lets anyone post) and never echoed */
  webhookUrl: string;
  /** give up on one delivery after this many ms; default 10 000 */
  timeoutMs?: number;
}

/** Block Kit limits: header text 150 chars, section text 3000, at most 10 fields. */
const HEADER_MAX = 150;
const SECTION_MAX = 3000;

/**
 * Posts to a Slack incoming webhook as Block Kit: a header with the
 * title, a section with the text and the key facts as fields, and a context line
 * with the event type, rollback id and time. `text` is the notification fallback.
 */
export function createSlackNotifier(options: SlackNotifierOptions): Notifier {
  const name = requireText(options.name, 'slack notifier name');
  const webhookUrl = requireHttpUrl(options.webhookUrl, `slack notifier "${name}" webhookUrl`);
  return {
    name,
    type: 'slack',
    async send(message, signal) {
      await sendHttp({
        method: 'POST',
        url: webhookUrl,
        body: JSON.stringify(slackPayload(message)),
        timeoutMs: options.timeoutMs,
        signal,
        secrets: [webhookUrl],
        what: `slack notifier "${name}"`,
      });
    },
  };
}

/** The Block Kit body for one message; exported for the docs and tests. */
export function slackPayload(message: NotificationMessage): Record<string, unknown> {
  const { event } = message;
  const fields = facts(message).map(([label, value]) => ({
    type: 'mrkdwn',
    text: clip(`*${label}*\n${escapeMrkdwn(value)}`, 2000),
  }));
  const section: Record<string, unknown> = {
    type: 'section',
    text: { type: 'mrkdwn', text: clip(escapeMrkdwn(message.text || message.title), SECTION_MAX) },
  };
  if (fields.length > 0) section.fields = fields.slice(0, 10);
  const context = [
    event.type,
    event.rollbackId ? `rollback ${event.rollbackId}` : null,
    new Date(event.at).toISOString(),
    `by ${event.actor}`,
  ]
    .filter((part): part is string => Boolean(part))
    .join(' · ');
  return {
    text: clip(`${message.title}\n${message.text}`, SECTION_MAX),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: clip(message.title, HEADER_MAX), emoji: true } },
      section,
      { type: 'context', elements: [{ type: 'mrkdwn', text: clip(escapeMrkdwn(context), 2000) }] },
    ],
  };
}

/** The facts worth a field: where, which versions, why, and what to run. */
function facts(message: NotificationMessage): [string, string][] {
  const { event } = message;
  const data = event.data ?? {};
  const out: [string, string][] = [];
  const add = (label: string, value: unknown): void => {
    if (value !== undefined && value !== null && value !== '') out.push([label, String(value)]);
  };
  add('Service', event.service);
  add('Environment', event.environment);
  if (data.fromVersion !== undefined || data.toVersion !== undefined)
    add('Versions', `${data.fromVersion ?? '?'} → ${data.toVersion ?? '?'}`);
  add('Kind', data.kind);
  add('Action', data.action);
  add('Severity', data.severity);
  add('Failed requests', data.failedRequests);
  add('Approve', typeof data.approveCommand === 'string' ? `\`${data.approveCommand}\`` : undefined);
  add('Reject', typeof data.rejectCommand === 'string' ? `\`${data.rejectCommand}\`` : undefined);
  return out;
}

/** Slack reads `<…>` as links and mentions; event text must stay literal. */
function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
