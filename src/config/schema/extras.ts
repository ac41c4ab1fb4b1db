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

/** Retention: the newest N, or the newest `last` plus one per day for `daily` days and one per week for `weekly` weeks. */
export const keepSchema = z.union([
  z.number().int().min(1),
  z.strictObject({
    last: z.number().int().min(0).default(0).describe('the newest N backups'),
    daily: z.number().int().min(0).default(0).describe('the newest backup of each of the last N days (UTC)'),
    weekly: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe('the newest backup of each of the last N weeks (UTC, from Monday)'),
  }),
]);

export const backupsSchema = z.strictObject({
  dir: z.string().default('.rewind/backups').describe('where backups are written, relative to rewind.yaml'),
  keep: keepSchema.default(20).describe('retention: 20, or { last, daily, weekly }'),
  jobs: z.number().int().min(1).max(32).default(2).describe('parallel jobs of pg_dump/pg_restore (directory format)'),
  schedule: z
    .string()
    .optional()
    .describe('cron expression (an optional first field is seconds) on which the leader takes a backup of `kind`'),
  kind: z
    .enum(['full', 'schema', 'tables'])
    .default('full')
    .describe('what a scheduled backup holds: full, schema (no rows) or tables (only `tables`, with their rows)'),
  tables: z.array(z.string().min(1)).default([]).describe('for kind tables: the tables each scheduled backup holds'),
  verifyEvery: z
    .number()
    .int()
    .min(1)
    .default(1)
    .describe('verify the first scheduled backup and every Nth after it (1: each one); the others are never `latest`'),
  rpo: duration('recovery point objective: the newest verified backup must be younger').optional(),
  rto: duration('recovery time objective: a verification restore must be faster').optional(),
  verify: z
    .enum(['restore', 'checksum'])
    .default('restore')
    .describe('restore: each backup is restored into a scratch database and validated; checksum: files only'),
  store: z
    .strictObject({
      type: z.literal('s3').describe('s3: any S3-compatible object store'),
      bucket: z.string().min(1).describe('the bucket backups are copied to'),
      prefix: z.string().default('').describe('key prefix of every object, e.g. rewind/prod/'),
      endpoint: z.string().optional().describe('an S3-compatible endpoint (MinIO, Ceph…); default AWS'),
      region: z.string().default('us-east-1').describe('the bucket’s region'),
      accessKeyId: z.string().optional().describe('default: the AWS SDK credential chain'),
      secretAccessKey: z.string().optional().describe('with accessKeyId; use ${VAR} (masked everywhere)'),
      forcePathStyle: z.boolean().default(false).describe('bucket in the path (most S3-compatible servers)'),
    })
    .optional()
    .describe('a copy of every backup in an object store, checked by sha256 after upload; default: the local dir only'),
  validate: z
    .array(
      z.strictObject({
        name: z.string().min(1).describe('the check’s name in the verification result'),
        sql: z.string().min(1).describe('a query whose first column of the first row must be true or non-zero'),
      }),
    )
    .default([])
    .describe('extra checks run on the scratch copy of each verified backup'),
});

export const databaseSchema = z.strictObject({
  engine: z
    .enum(['postgres', 'mysql', 'sqlite'])
    .describe('the database engine: postgres, mysql (MariaDB too) or sqlite'),
  url: z.string().describe('connection URL (postgres://, mysql://) or file path for sqlite'),
  migrations: z
    .union([
      z.strictObject({
        tool: z.literal('command').describe('command: your own migration tool, run as argv'),
        status: argv('prints the current schema version, or JSON {"version": …}'),
        down: argv('migrates down to {version}'),
        up: argv('migrates up to the newest version; run by deploy --migrate'),
        cwd: z.string().default('.').describe('working directory, relative to rewind.yaml'),
        env: z.record(z.string(), z.string()).default({}).describe('extra environment for the commands'),
        timeout: duration('time limit of one command').default('10m'),
      }),
      z.strictObject({
        tool: z
          .enum(['sql', 'node-pg-migrate', 'knex', 'umzug'])
          .default('sql')
          .describe('the migration files’ format: plain SQL up/down files, or the named tool’s'),
        dir: z.string().default('./migrations').describe('the migration files, relative to rewind.yaml'),
      }),
    ])
    .optional()
    .describe('`tool: sql` runs the files in `dir`; `tool: command` runs your own tool (argv, no shell)'),
  backups: backupsSchema.describe('where and how backups are taken, kept and verified').default({
    dir: '.rewind/backups',
    keep: 20,
    jobs: 2,
    kind: 'full',
    tables: [],
    verifyEvery: 1,
    verify: 'restore',
    validate: [],
  }),
  rollback: z
    .enum(['migrate-down', 'restore'])
    .default('migrate-down')
    .describe('how a coordinated rollback undoes the schema'),
});

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
