import { z } from 'zod';
import { argv, decisionAction, duration, name, onTimeout, severity } from './primitives.js';
import { rollbackOptionsSchema } from './rollback.js';

/** Recovery-time targets per environment. */
export const targetsSchema = z.strictObject({
  detectionToDecision: duration('fault detected → decision made').default('5m'),
  decisionToExecution: duration('decision → traffic back on the good release').default('2m'),
  executionToStable: duration('traffic restored → stable').default('10m'),
  total: duration('detection → stable').default('17m'),
  errorBudget: z
    .strictObject({
      objective: z.number().gt(0).lt(1).optional().describe('the SLO, e.g. 0.999'),
      periodRequests: z.number().int().positive().optional().describe('requests in the SLO period'),
      allowedFailures: z.number().positive().optional().describe('failures the period allows, when known directly'),
    })
    .optional()
    .describe(
      'what the incident report measures failed requests against: allowedFailures, or objective with periodRequests',
    ),
});

/** One row of the decision matrix: the first matching rule wins. */
export const matrixRuleSchema = z.strictObject({
  name: z.string().optional().describe('a name for the rule, shown with the decisions it makes'),
  match: z
    .strictObject({
      severity: z.array(severity).optional().describe('fired triggers of these severities; default any'),
      trigger: z.array(z.string()).optional().describe('fired triggers of these names; default any'),
      metric: z.array(z.string()).optional().describe('fired triggers on these metrics; default any'),
      environment: z.array(z.string()).optional().describe('in these environments; default any'),
    })
    .default({})
    .describe('what the rule applies to: every listed condition must hold; empty matches everything'),
  action: decisionAction.describe(
    'rollback, ask (an approval), alert (notify only), escalate (page a human), ignore, or flag-off (turn `flag` off)',
  ),
  flag: z.string().optional().describe('for action flag-off: the feature flag (environment variable) to turn off'),
  notify: z.array(z.string()).default([]).describe('notification channels told of the decision, by name'),
  approvalTimeout: duration('how long a human has to answer').optional(),
  onTimeout: onTimeout.optional().describe('what happens when nobody answers an `ask` in time; default the policy’s'),
});

export const policySchema = z.strictObject({
  automatic: z.boolean().default(true).describe('false: a fired trigger waits for `rewind approve`'),
  cooldownPeriod: duration('no second automatic rollback of a service within this').default('300s'),
  maximumRetries: z.number().int().min(0).default(5).describe('automatic rollbacks per service before escalating'),
  approvalTimeout: duration('default deadline of an approval').default('15m'),
  onTimeout: onTimeout
    .default('escalate')
    .describe('what happens when nobody answers an approval in time: rollback, escalate or ignore'),
  inconclusiveLimit: z.number().int().min(1).default(5).describe('inconclusive evaluations before asking a human'),
  matrix: z.array(matrixRuleSchema).optional().describe('decision rules; default: the runbook table'),
  freezeOnIncident: z
    .boolean()
    .default(false)
    .describe(
      'true: forward deploys of a service are refused while its rollback runs or is escalated, until it succeeds',
    ),
  rollback: rollbackOptionsSchema
    .optional()
    .describe('gradual restoration and the failed release’s logs for every service (a service’s own key wins)'),
});

export const environmentSchema = z.strictObject({
  protected: z.boolean().default(false).describe('a manual undo needs a second person’s approval'),
  confirm: z
    .boolean()
    .default(false)
    .describe('`rewind undo` asks "Roll back …? [y/N]" on a terminal; without one it needs --yes'),
  targets: targetsSchema.optional().describe('recovery-time targets of this environment; default the top-level ones'),
  policy: policySchema.partial().optional().describe('overrides of the top-level policy'),
});

export { backupsSchema, databaseSchema, keepSchema } from './database.js';

const channelBase = { name: name('channel') };
export const channelSchema = z.discriminatedUnion('type', [
  z.strictObject({
    ...channelBase,
    type: z.literal('slack'),
    webhookUrl: z.string().describe('the Slack incoming-webhook URL (a secret: use ${VAR})'),
  }),
  z.strictObject({
    ...channelBase,
    type: z.literal('pagerduty'),
    routingKey: z.string().describe('the PagerDuty Events API v2 integration key (a secret: use ${VAR})'),
    url: z.string().default('https://events.pagerduty.com/v2/enqueue').describe('the Events API endpoint'),
  }),
  z.strictObject({
    ...channelBase,
    type: z.literal('webhook'),
    url: z.string().describe('where each event is POSTed as JSON'),
    secret: z.string().optional().describe('signs each body (HMAC-SHA256 header) so the receiver can check it'),
  }),
  z.strictObject({
    ...channelBase,
    type: z.literal('statuspage'),
    url: z.string().describe('the status page API base URL'),
    token: z.string().optional().describe('the status page API token (a secret: use ${VAR})'),
    componentId: z.string().optional().describe('the component whose status follows the rollback'),
  }),
  z.strictObject({
    ...channelBase,
    type: z.literal('email'),
    host: z.string().describe('the SMTP server'),
    port: z.number().int().default(587).describe('the SMTP port'),
    secure: z.boolean().default(false).describe('true: TLS from the start (port 465); false: STARTTLS when offered'),
    user: z.string().optional().describe('SMTP user, when the server asks for one'),
    password: z.string().optional().describe('SMTP password (a secret: use ${VAR})'),
    from: z.string().describe('the sender address'),
    to: z.array(z.string()).min(1).describe('the recipients'),
  }),
]);

export const notificationsSchema = z.strictObject({
  channels: z
    .array(channelSchema)
    .default([])
    .describe('where notifications can go: slack, pagerduty, webhook, statuspage, email'),
  routes: z
    .array(
      z.strictObject({
        events: z.array(z.string()).min(1).describe('event types; "rollback.*" matches a family'),
        environments: z.array(z.string()).optional().describe('only events of these environments; default all'),
        services: z.array(z.string()).optional().describe('only events of these services; default all'),
        channels: z.array(z.string()).min(1).describe('the channels, by name, that get the matching events'),
      }),
    )
    .default([])
    .describe('which events go to which channels'),
  templates: z.record(z.string(), z.string()).default({}).describe('overrides: initiated, completed, customer'),
});

export const providerSchema = z.discriminatedUnion('type', [
  z.strictObject({
    name: name('provider'),
    type: z.literal('prometheus'),
    url: z.string().describe('the Prometheus server, e.g. http://prometheus:9090'),
    timeout: duration('query timeout').default('5s'),
    bearerToken: z.string().optional().describe('sent as Authorization: Bearer (a secret: use ${VAR})'),
    username: z.string().optional().describe('basic-auth user'),
    password: z.string().optional().describe('basic-auth password (a secret: use ${VAR})'),
    queries: z
      .record(z.string(), z.string())
      .describe('metric name → PromQL with {service} {env} {version} {revision} {window}'),
  }),
  z.strictObject({
    name: name('provider'),
    type: z.literal('http'),
    timeout: duration('request timeout').default('5s'),
    headers: z.record(z.string(), z.string()).default({}).describe('headers sent with every request (values masked)'),
    queries: z
      .record(
        z.string(),
        z.strictObject({
          url: z.string().describe('URL template with {service} {env} {version} {revision} {window}'),
          path: z.string().describe('JSON path to the number in the answer, e.g. $.data.errorRate'),
        }),
      )
      .describe('metric name → URL template and JSON path'),
  }),
]);

export const drillSchema = z.strictObject({
  env: z.string().describe('the environment drilled'),
  service: z.string().optional().describe('the service drilled; default the environment’s only one'),
  schedule: z.string().describe('cron expression, e.g. "0 10 1-7 * 1"'),
  fault: z
    .union([
      z.enum(['error-rate', 'latency', 'crash', 'unhealthy']),
      z.strictObject({
        image: z
          .string()
          .min(1)
          .describe('a version (image tag) that misbehaves, deployed as the faulty copy, e.g. crash1'),
      }),
    ])
    .default('error-rate')
    .describe('a fault the local driver injects, or `{ image }` for drivers that deploy images (kubernetes)'),
  hook: argv('for drivers without a built-in fault wrapper').optional(),
});
