/** Databases Rewind rolls back with a release, and their backups: schedule, retention, verification. */
import { z } from 'zod';
import { argv, duration } from './primitives.js';

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
