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
  name: z.string().optional(),
  match: z
    .strictObject({
      severity: z.array(severity).optional(),
      trigger: z.array(z.string()).optional(),
      metric: z.array(z.string()).optional(),
      environment: z.array(z.string()).optional(),
    })
    .default({}),
  action: decisionAction,
  flag: z.string().optional().describe('for action flag-off: the feature flag (environment variable) to turn off'),
  notify: z.array(z.string()).default([]),
  approvalTimeout: duration('how long a human has to answer').optional(),
  onTimeout: onTimeout.optional(),
});

export const policySchema = z.strictObject({
  automatic: z.boolean().default(true).describe('false: a fired trigger waits for `rewind approve`'),
  cooldownPeriod: duration('no second automatic rollback of a service within this').default('300s'),
  maximumRetries: z.number().int().min(0).default(5).describe('automatic rollbacks per service before escalating'),
  approvalTimeout: duration('default deadline of an approval').default('15m'),
  onTimeout: onTimeout.default('escalate'),
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
  targets: targetsSchema.optional(),
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
  jobs: z.number().int().min(1).max(32).default(2),
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
      type: z.literal('s3'),
      bucket: z.string().min(1),
      prefix: z.string().default(''),
      endpoint: z.string().optional().describe('an S3-compatible endpoint (MinIO, Ceph…); default AWS'),
      region: z.string().default('us-east-1'),
      accessKeyId: z.string().optional().describe('default: the AWS SDK credential chain'),
      secretAccessKey: z.string().optional(),
      forcePathStyle: z.boolean().default(false).describe('bucket in the path (most S3-compatible servers)'),
    })
    .optional()
    .describe('a copy of every backup in an object store, checked by sha256 after upload; default: the local dir only'),
  validate: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        sql: z.string().min(1).describe('a query whose first column of the first row must be true or non-zero'),
      }),
    )
    .default([])
    .describe('extra checks run on the scratch copy of each verified backup'),
});

export const databaseSchema = z.strictObject({
  engine: z.enum(['postgres', 'mysql', 'sqlite']),
  url: z.string().describe('connection URL (postgres://, mysql://) or file path for sqlite'),
  migrations: z
    .union([
      z.strictObject({
        tool: z.literal('command'),
        status: argv('prints the current schema version, or JSON {"version": …}'),
        down: argv('migrates down to {version}'),
        up: argv('migrates up to the newest version; run by deploy --migrate'),
        cwd: z.string().default('.').describe('working directory, relative to rewind.yaml'),
        env: z.record(z.string(), z.string()).default({}).describe('extra environment for the commands'),
        timeout: duration('time limit of one command').default('10m'),
      }),
      z.strictObject({
        tool: z.enum(['sql', 'node-pg-migrate', 'knex', 'umzug']).default('sql'),
        dir: z.string().default('./migrations'),
      }),
    ])
    .optional()
    .describe('`tool: sql` runs the files in `dir`; `tool: command` runs your own tool (argv, no shell)'),
  backups: backupsSchema.default({
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
  z.strictObject({ ...channelBase, type: z.literal('slack'), webhookUrl: z.string() }),
  z.strictObject({
    ...channelBase,
    type: z.literal('pagerduty'),
    routingKey: z.string(),
    url: z.string().default('https://events.pagerduty.com/v2/enqueue'),
  }),
  z.strictObject({ ...channelBase, type: z.literal('webhook'), url: z.string(), secret: z.string().optional() }),
  z.strictObject({
    ...channelBase,
    type: z.literal('statuspage'),
    url: z.string(),
    token: z.string().optional(),
    componentId: z.string().optional(),
  }),
  z.strictObject({
    ...channelBase,
    type: z.literal('email'),
    host: z.string(),
    port: z.number().int().default(587),
    secure: z.boolean().default(false),
    user: z.string().optional(),
    password: z.string().optional(),
    from: z.string(),
    to: z.array(z.string()).min(1),
  }),
]);

export const notificationsSchema = z.strictObject({
  channels: z.array(channelSchema).default([]),
  routes: z
    .array(
      z.strictObject({
        events: z.array(z.string()).min(1).describe('event types; "rollback.*" matches a family'),
        environments: z.array(z.string()).optional(),
        services: z.array(z.string()).optional(),
        channels: z.array(z.string()).min(1),
      }),
    )
    .default([]),
  templates: z.record(z.string(), z.string()).default({}).describe('overrides: initiated, completed, customer'),
});

export const providerSchema = z.discriminatedUnion('type', [
  z.strictObject({
    name: name('provider'),
    type: z.literal('prometheus'),
    url: z.string(),
    timeout: duration('query timeout').default('5s'),
    bearerToken: z.string().optional(),
    username: z.string().optional(),
    password: z.string().optional(),
    queries: z
      .record(z.string(), z.string())
      .describe('metric name → PromQL with {service} {env} {version} {revision} {window}'),
  }),
  z.strictObject({
    name: name('provider'),
    type: z.literal('http'),
    timeout: duration('request timeout').default('5s'),
    headers: z.record(z.string(), z.string()).default({}),
    queries: z
      .record(z.string(), z.strictObject({ url: z.string(), path: z.string() }))
      .describe('metric name → URL template and JSON path'),
  }),
]);

export const drillSchema = z.strictObject({
  env: z.string(),
  service: z.string().optional(),
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
