/**
 * Notifications: the notifiers, routing, templates and the outbox
 * dispatcher. The composition root builds notifiers from config with these
 * factories and hands them to `createOutboxDispatcher`.
 */
export { createSlackNotifier, slackPayload, type SlackNotifierOptions } from './slack.js';
export {
  createWebhookNotifier,
  signBody,
  webhookBody,
  SIGNATURE_HEADER,
  type WebhookNotifierOptions,
} from './webhook.js';
export {
  createPagerDutyNotifier,
  pagerDutyAction,
  pagerDutyBody,
  PAGERDUTY_EVENTS_URL,
  type PagerDutyNotifierOptions,
} from './pagerduty.js';
export { createStatusPageNotifier, type StatusPageNotifierOptions } from './statuspage.js';
export { createEmailNotifier, emailText, type EmailNotifierOptions } from './email.js';
export { createMemoryState, createFileState, type NotifierState } from './notifier-state.js';
export { DeliveryError, isRetryable, redact } from './delivery-error.js';
export { routeEvent, matchesPattern, unknownChannels, type NotificationRoute } from './routing.js';
export {
  renderMessage,
  renderCustomerMessage,
  renderTemplate,
  templateVariables,
  type MessageTemplates,
  type RenderedMessage,
  type TemplateContext,
} from './templates.js';
export { DEFAULT_TEMPLATES } from './default-templates.js';
export { createOutboxDispatcher, type OutboxDispatcher, type OutboxDispatcherOptions } from './outbox-dispatcher.js';
export { backoffDelay, type BackoffOptions } from './outbox-backoff.js';
export { createNotifierFromChannel, type ChannelSpec, type ChannelDeps } from './from-channel.js';
export { sendWithDeadline } from './send-with-deadline.js';
