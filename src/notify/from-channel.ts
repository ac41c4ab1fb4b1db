import type { Notifier } from '../core/ports/notifier.js';
import { createEmailNotifier } from './email.js';
import { notifierConfigError } from './http.js';
import type { NotifierState } from './notifier-state.js';
import { createPagerDutyNotifier } from './pagerduty.js';
import { createSlackNotifier } from './slack.js';
import { createStatusPageNotifier } from './statuspage.js';
import type { MessageTemplates } from './templates.js';
import { createWebhookNotifier } from './webhook.js';

/**
 * One channel as `notifications.channels[]` of rewind.yaml declares it. Declared
 * here by shape (adapters never import config/); the config schema's
 * `ChannelConfig` is assignable to it.
 */
export type ChannelSpec =
  | { name: string; type: 'slack'; webhookUrl: string }
  | { name: string; type: 'pagerduty'; routingKey: string; url?: string }
  | { name: string; type: 'webhook'; url: string; secret?: string }
  | { name: string; type: 'statuspage'; url: string; token?: string; componentId?: string }
  | {
      name: string;
      type: 'email';
      host: string;
      port: number;
      secure: boolean;
      user?: string;
      password?: string;
      from: string;
      to: string[];
    };

export interface ChannelDeps {
  /** where the status page keeps incident ids; default in memory */
  state?: NotifierState;
  /** template overrides (the status page uses the customer ones) */
  templates?: MessageTemplates;
  /** per-request timeout of every notifier; default theirs */
  timeoutMs?: number;
}

/** Builds the notifier of one configured channel: the composition root's one call. */
export function createNotifierFromChannel(channel: ChannelSpec, deps: ChannelDeps = {}): Notifier {
  const { timeoutMs } = deps;
  switch (channel.type) {
    case 'slack':
      return createSlackNotifier({ name: channel.name, webhookUrl: channel.webhookUrl, timeoutMs });
    case 'pagerduty':
      return createPagerDutyNotifier({
        name: channel.name,
        routingKey: channel.routingKey,
        url: channel.url,
        timeoutMs,
      });
    case 'webhook':
      return createWebhookNotifier({ name: channel.name, url: channel.url, secret: channel.secret, timeoutMs });
    case 'statuspage':
      return createStatusPageNotifier({
        name: channel.name,
        baseUrl: channel.url,
        token: channel.token,
        componentId: channel.componentId,
        state: deps.state,
        templates: deps.templates,
        timeoutMs,
      });
    case 'email':
      return createEmailNotifier({ ...channel, timeoutMs });
    default:
      throw notifierConfigError(
        `unknown channel type "${(channel as { type?: unknown }).type}" (expected slack, pagerduty, webhook, statuspage or email)`,
      );
  }
}
