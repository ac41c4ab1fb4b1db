import { z } from 'zod';
import {
  databaseSchema,
  drillSchema,
  environmentSchema,
  notificationsSchema,
  policySchema,
  providerSchema,
  targetsSchema,
} from './extras.js';
import { freezeSchema } from './freezes.js';
import { impactSchema } from './impact.js';
import { duration, hostPort } from './primitives.js';
import { serviceSchema } from './service.js';
import { dnsProviderSchema, failoverSchema, siteSchema } from './sites.js';

/**
 * The one schema of rewind.yaml (STYLE.md §5): every key declared once with its
 * description and default. The TypeScript types and schema/rewind.schema.json are
 * both derived from it.
 */
export const configSchema = z.strictObject({
  version: z.literal(1).describe('config format version'),
  controller: z
    .strictObject({
      listen: hostPort('HTTP API address of `rewind serve`').default('127.0.0.1:7070'),
      stateDir: z
        .string()
        .default('.rewind')
        .describe('state.db, logs, releases and incident reports, relative to rewind.yaml'),
      adminTokenFile: z
        .string()
        .min(1)
        .optional()
        .describe(
          'a file holding an admin token of this project that the operator puts on each host (relative to rewind.yaml): the CLI sends it, and `serve` never writes stateDir/admin.token',
        ),
      store: z
        .strictObject({
          type: z
            .enum(['sqlite', 'postgres'])
            .default('sqlite')
            .describe('sqlite: state.db in stateDir, one controller; postgres: several controllers, one leader'),
          url: z
            .string()
            .optional()
            .describe('postgres only: postgres://user:password@host:port/database (use ${VAR} for the password)'),
          schema: z
            .string()
            .regex(/^[a-z_][a-z0-9_]*$/, 'a lower-case SQL identifier')
            .optional()
            .describe('postgres only: the schema Rewind keeps its tables in; default rewind'),
        })
        .default({ type: 'sqlite' })
        .describe('where Rewind keeps its state: releases, rollbacks, journal, events'),
      evaluationInterval: duration('how often triggers are evaluated').default('250ms'),
      signalRetention: duration('how long per-second signals are kept for `policy replay`').default('7d'),
      leaseDuration: duration(
        'how long the leader lease lasts without renewal; renewed every third of it, a follower takes over after it',
      ).default('6s'),
      stopTimeout: duration(
        'the longest `rewind serve` takes to exit after SIGTERM: running steps get all but 10s of it to finish, then it exits anyway',
      ).default('35s'),
      publicMetrics: z
        .boolean()
        .default(true)
        .describe('false: GET /metrics needs an API token too (any role); /healthz is always open'),
      allowedHosts: z
        .array(z.string().min(1))
        .default([])
        .describe('more Host header names the API answers to, besides the listen address and loopback (421 otherwise)'),
      passEnv: z
        .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'expected an environment variable name' }))
        .default([])
        .describe(
          'variables of the controller environment that app instances, hooks and commands also get (beyond PATH, HOME, locale, TZ, TMPDIR…)',
        ),
      tls: z
        .strictObject({
          cert: z.string().min(1).describe('PEM certificate file, relative to rewind.yaml'),
          key: z.string().min(1).describe('PEM private key file, relative to rewind.yaml'),
          ca: z
            .string()
            .min(1)
            .optional()
            .describe(
              'PEM file of the CA that signed the controllers’ certificates: a follower trusts it when it forwards a write to the leader; default the certificate itself (one self-signed certificate shared by the controllers)',
            ),
        })
        .optional()
        .describe('serve the API over HTTPS; the CLI then trusts --ca / REWIND_CA (or the system CAs)'),
    })
    .default({
      listen: '127.0.0.1:7070',
      stateDir: '.rewind',
      store: { type: 'sqlite' },
      evaluationInterval: '250ms',
      signalRetention: '7d',
      leaseDuration: '6s',
      stopTimeout: '35s',
      publicMetrics: true,
      allowedHosts: [],
      passEnv: [],
    })
    .describe('the controller (`rewind serve`): its API, state and timing'),
  environments: z.record(z.string(), environmentSchema).default({}).describe('production, staging, …'),
  services: z
    .record(z.string(), serviceSchema)
    .default({})
    .describe('none for a project that only fails over `sites:`'),
  groups: z
    .record(z.string(), z.array(z.string()).min(1))
    .default({})
    .describe('named sets of services for `rewind undo --group`, e.g. backend: [api, worker]'),
  policy: policySchema
    .default({
      automatic: true,
      cooldownPeriod: '300s',
      maximumRetries: 5,
      approvalTimeout: '15m',
      onTimeout: 'escalate',
      inconclusiveLimit: 5,
      freezeOnIncident: false,
    })
    .describe('what Rewind does with fired triggers: automatic rollbacks, approvals, the decision matrix'),
  targets: targetsSchema.optional().describe('default recovery-time targets'),
  databases: z
    .record(z.string(), databaseSchema)
    .default({})
    .describe('databases rolled back with services, backed up and verified'),
  notifications: notificationsSchema
    .default({ channels: [], routes: [], templates: {} })
    .describe('who is told what: channels and the routes of events to them'),
  providers: z
    .array(providerSchema)
    .default([])
    .describe('your metrics (Prometheus, HTTP JSON) as signals for triggers, by query name'),
  drills: z
    .array(drillSchema)
    .default([])
    .describe('scheduled rollback drills run by `rewind serve` (see also `rewind drill`)'),
  dns: z.array(dnsProviderSchema).default([]).describe('DNS providers: zones Rewind changes when a site fails over'),
  sites: z
    .record(z.string(), siteSchema)
    .default({})
    .describe('a primary and standby sites with their health checks and DNS records (`rewind failover`)'),
  failover: failoverSchema.optional().describe('how failing over between `sites:` behaves'),
  impact: impactSchema.optional().describe('how the incident report prices an incident'),
  freezes: z
    .array(freezeSchema)
    .default([])
    .describe('windows in which forward deploys are refused (rollbacks never are); see also `rewind freeze start`'),
});

export type RewindConfig = z.output<typeof configSchema>;
export type ServiceConfig = RewindConfig['services'][string];
export type DriverConfig = ServiceConfig['driver'];
export type LocalDriverConfig = Extract<DriverConfig, { type: 'local' }>;
export type CommandDriverConfig = Extract<DriverConfig, { type: 'command' }>;
export type KubernetesDriverConfig = Extract<DriverConfig, { type: 'kubernetes' }>;
export type TriggerConfig = ServiceConfig['triggers'][number];
export type EnvironmentConfig = RewindConfig['environments'][string];
export type PolicyConfig = RewindConfig['policy'];
export type DatabaseConfig = RewindConfig['databases'][string];
export type ChannelConfig = RewindConfig['notifications']['channels'][number];
export type ProviderConfig = RewindConfig['providers'][number];
export type DnsProviderConfig = RewindConfig['dns'][number];
export type SiteConfig = RewindConfig['sites'][string];
export type FreezeConfig = RewindConfig['freezes'][number];
