import { z } from 'zod';
import { alertMappingSchema } from './alerts.js';
import { argv, duration, name, portRange, severity } from './primitives.js';
import { helmDriver, kubernetesDriver } from './cluster.js';
import { containerDriver, frontDoorFields } from './container.js';
import { triggerSchema } from './trigger.js';
import { rollbackOptionsSchema } from './rollback.js';
import { featuresSchema, usersSchema } from './impact.js';

export { triggerSchema } from './trigger.js';

/** Placeholders {service} {env} {version} {revision} work in every command; the local driver adds {port}. */
const localDriver = z
  .strictObject({
    type: z.literal('local'),
    command: argv('the command that starts one instance; {version} and {port} (the instance port) are replaced'),
    cwd: z.string().default('.').describe('working directory, relative to rewind.yaml; {version} is replaced'),
    env: z.record(z.string(), z.string()).default({}).describe('extra environment; {version} is replaced in values'),
    portEnv: z.string().default('PORT').describe('environment variable that receives the instance port'),
    ports: z
      .string()
      .regex(/^\d{1,5}-\d{1,5}$/, { error: 'expected a port range like "42000-42999"' })
      .refine((r) => portRange(r) !== null, { error: 'expected a range of ports 1–65535, low-high' })
      .optional()
      .describe(
        'the ports instances get, like "42000-42999" (default any free port); the command may name its own with {port}',
      ),
    instances: z.number().int().min(1).max(64).default(1).describe('processes per release'),
    ...frontDoorFields,
    stopTimeout: duration('SIGTERM → SIGKILL grace').default('10s'),
    git: z
      .strictObject({
        repo: z.string().default('.').describe('git repository, relative to rewind.yaml'),
        build: argv('build command run once per commit in its worktree').optional(),
        revert: z
          .boolean()
          .default(false)
          .describe(
            'after a rollback, commit `git revert` of the bad commits on the repository’s current branch, so its head is good again (pushing is your hook’s job)',
          ),
      })
      .optional()
      .describe('deploy git commits: each version is a commit checked out under <stateDir>/releases/'),
    configFiles: z
      .array(z.string().min(1))
      .default([])
      .describe(
        'files (relative to cwd) snapshotted in the store at each deploy and put back before a rollback starts the target',
      ),
  })
  .describe('run releases as local processes behind Rewind’s traffic switch');

const commandDriver = z
  .strictObject({
    type: z.literal('command'),
    start: argv('make a release run: {service} {env} {version} {revision}'),
    shiftTraffic: argv('give a release its share of traffic: {weight} is 0–100; run once per release'),
    retire: argv('drain and stop a release'),
    describe: argv(
      'print live state; exit 0 = healthy; JSON {"releases":[{"revision","version","weight","healthy"}]} is read when printed',
    ).optional(),
    undo: argv('the platform’s own undo to {revision}').optional(),
    logs: argv(
      'print a release’s recent output for the incident report: {service} {env} {version} {revision}; a line `==> NAME <==` starts each instance',
    ).optional(),
    cwd: z.string().default('.').describe('working directory, relative to rewind.yaml'),
    env: z.record(z.string(), z.string()).default({}).describe('extra environment for every command'),
    timeout: duration('time limit of one command').default('60s'),
  })
  .describe('drive any platform through your own commands');

export const driverSchema = z.discriminatedUnion('type', [
  localDriver,
  containerDriver,
  commandDriver,
  kubernetesDriver,
  helmDriver,
]);

export const healthSchema = z.strictObject({
  live: z.string().optional().describe('liveness path, e.g. /health/live'),
  ready: z.string().optional().describe('readiness path, e.g. /health/ready'),
  interval: duration('probe interval').default('1s'),
  timeout: duration('probe timeout').default('1s'),
  failureThreshold: z.number().int().min(1).default(3).describe('consecutive failures before unhealthy'),
  readyTimeout: duration('a release that is not ready by then fails').default('60s'),
});

/** A smoke test: one request and what its answer must look like. */
export const smokeTestSchema = z.strictObject({
  name: name('smoke test'),
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH']).default('GET').describe('the request method'),
  path: z
    .string()
    .startsWith('/', { error: 'expected a path starting with "/"' })
    .describe('the request path, appended to smokeBaseUrl (or the front door)'),
  body: z.string().optional().describe('request body'),
  expect: z
    .strictObject({
      status: z.number().int().min(100).max(599).default(200).describe('the status code the answer must have'),
      bodyContains: z.string().optional().describe('text the answer’s body must contain'),
      maxMs: z.number().int().min(1).optional().describe('slowest acceptable answer, in ms'),
    })
    .default({ status: 200 })
    .describe('what the answer must look like; every listed condition must hold'),
});

const hookSchema = z.strictObject({
  name: name('hook'),
  command: argv('the hook command'),
  timeout: duration('time limit').default('60s'),
  onFailure: z
    .enum(['abort', 'continue'])
    .default('abort')
    .describe(
      'abort: a failed hook stops the rollback there and escalates; continue: it is recorded and the plan goes on',
    ),
});

export const serviceSchema = z.strictObject({
  driver: driverSchema.describe('how releases run and get traffic: local, container, command, kubernetes or helm'),
  environments: z.array(z.string()).optional().describe('environments this service is deployed to; default: all'),
  dependsOn: z
    .array(z.string())
    .default([])
    .describe('services this one calls; a rollback of several services rolls this one back before them'),
  strategy: z
    .enum(['bluegreen', 'canary', 'rolling'])
    .default('bluegreen')
    .describe('rolling: the platform replaces the release in place (Kubernetes rollout semantics)'),
  canary: z
    .strictObject({
      steps: z
        .array(z.number().int().min(1).max(100))
        .min(1)
        .default([10, 50, 100])
        .describe('traffic percents, ending at 100'),
      pause: duration('pause between steps').default('10s'),
      judge: z
        .strictObject({
          enabled: z.boolean().default(true).describe('false: canary steps are judged by the triggers only'),
          severity: severity.default('high').describe('severity of the trigger a failing canary score becomes'),
          fireOn: z
            .enum(['fail', 'marginal'])
            .default('fail')
            .describe('fail: only a failing score fires; marginal: a marginal score fires too'),
        })
        .optional()
        .describe('statistical canary judge: canary vs stable over the same seconds'),
    })
    .default({ steps: [10, 50, 100], pause: '10s' })
    .describe('strategy canary: the traffic steps, the pause between them and the judge'),
  rollbackWindow: duration('the previous release stays warm this long after promotion').default('10m'),
  health: healthSchema
    .default({ interval: '1s', timeout: '1s', failureThreshold: 3, readyTimeout: '60s' })
    .describe('the health checks of each instance: liveness, readiness and how often'),
  analysis: z
    .strictObject({ duration: duration('how long a new release is watched before promotion').default('30s') })
    .default({ duration: '30s' })
    .describe('the watch of a new release before it is promoted'),
  triggers: z
    .array(triggerSchema)
    .default([])
    .describe('rules over the release’s signals; a fired trigger goes to the policy for a decision'),
  alerts: z
    .array(alertMappingSchema)
    .default([])
    .describe('alerts from your monitoring that are about this service, acted on by policy like its own triggers'),
  postRollback: z
    .strictObject({
      watch: duration('watch the restored release this long').default('2m'),
      tighten: z
        .number()
        .gt(0)
        .max(1)
        .default(0.5)
        .describe('thresholds are multiplied by this (above) or divided (below) while watching'),
    })
    .default({ watch: '2m', tighten: 0.5 })
    .describe('the close watch of a restored release after a rollback'),
  rollback: rollbackOptionsSchema
    .optional()
    .describe('gradual restoration and the failed release’s logs; a key here wins over the policy’s'),
  hooks: z
    .strictObject({
      preRollback: z.array(hookSchema).default([]).describe('commands run as the first steps of a rollback'),
      postRollback: z
        .array(hookSchema)
        .default([])
        .describe('commands run after traffic is back, before the validation steps'),
    })
    .default({ preRollback: [], postRollback: [] })
    .describe('your own commands as steps of every rollback of this service'),
  database: z.string().optional().describe('name of a database under `databases` rolled back with this service'),
  smoke: z
    .array(smokeTestSchema)
    .default([])
    .describe('run after a release gets traffic and after a rollback; a failure is a critical trigger'),
  users: usersSchema.optional(),
  features: featuresSchema.default({}),
  smokeBaseUrl: z
    .string()
    .regex(/^https?:\/\//, { error: 'expected an http:// or https:// URL' })
    .optional()
    .describe('where smoke tests send requests; default the local driver’s front door'),
});
