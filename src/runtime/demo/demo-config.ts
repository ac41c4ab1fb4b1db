/**
 * The demo's rewind.yaml: the bundled sample service behind the
 * traffic switch, 2 instances, triggers tuned so each fault is caught within a
 * second or two, short analysis and post-rollback watch so a run ends well under
 * 60 s. Each release reads its own env file (`node --env-file`), which is how
 * v2 — and only v2 — carries the fault.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { triggerSchema } from '../../config/schema/service.js';
import { InternalError } from '../../core/errors.js';
import type { FaultPlan } from './faults.js';

export const DEMO_SERVICE = 'web';
export const DEMO_ENVIRONMENT = 'production';
export const DEMO_INSTANCES = 2;
/** The demo's clients send a user id in this header, from this many users, so the report can count users affected. */
export const DEMO_USERS = { header: 'X-User-Id', count: 400 };

export interface DemoConfigOptions {
  /** where rewind.yaml, the release env files and state go */
  workDir: string;
  plan: FaultPlan;
  /** front door port; default a free one */
  port?: number;
  /** how long a new release is watched; default 8s (covers the fault at 3 s plus detection) */
  analysis?: string;
  /** the post-rollback watch; default 3s */
  postRollbackWatch?: string;
  /** replaces the default triggers (the bench uses its own) */
  triggers?: Record<string, unknown>[];
  /** the front door: builtin (default) or haproxy */
  router?: 'builtin' | 'haproxy';
  /** where the demo's local receivers listen; default no notifications */
  notifications?: DemoNotificationTargets;
  /** run the releases as containers on this engine (`driver.type: container`); default local processes */
  container?: DemoContainerTarget;
}

/** The engine and the images of `rewind demo --platform container` (container-demo.ts builds them). */
export interface DemoContainerTarget {
  socket: string;
  /** the image reference with a {version} placeholder, e.g. localhost/rewind-demo-1a2b:{version} */
  image: string;
}

/** The demo's loopback receivers (receivers.ts) the channels point at. */
export interface DemoNotificationTargets {
  slackUrl: string;
  pagerDutyUrl: string;
  pagerDutyRoutingKey: string;
  webhookUrl: string;
  webhookSecret: string;
}

/**
 * Channels to the demo's own receivers and routes for rollbacks, deploys and
 * drills. PagerDuty only acts on rollback events itself.
 */
export function demoNotifications(targets: DemoNotificationTargets): Record<string, unknown> {
  const all = ['demo-slack', 'demo-pagerduty', 'demo-webhook'];
  return {
    channels: [
      { name: 'demo-slack', type: 'slack', webhookUrl: targets.slackUrl },
      { name: 'demo-pagerduty', type: 'pagerduty', routingKey: targets.pagerDutyRoutingKey, url: targets.pagerDutyUrl },
      { name: 'demo-webhook', type: 'webhook', url: targets.webhookUrl, secret: targets.webhookSecret },
    ],
    routes: [
      { events: ['rollback.*'], channels: all },
      { events: ['deploy.*', 'drill.*'], channels: ['demo-slack', 'demo-webhook'] },
    ],
  };
}

export interface DemoConfig {
  configFile: string;
  stateDir: string;
  frontDoor: string;
}

/**
 * Readings of the switch's telemetry cover whole one-second buckets, and a 1 s
 * window holds only the second in progress: just after a second starts it has
 * a handful of requests, below minSamples, which ends every breach before its
 * `for` span is over. A 2 s window always holds the last complete second too.
 * `window` is a key of the monitor's trigger schema; older schemas lack it.
 */
export const TWO_SECOND_WINDOW: Record<string, unknown> = 'window' in triggerSchema.shape ? { window: '2s' } : {};

/**
 * The triggers of the brief, tuned: every fault here trips at least one within
 * ~2 s. Error rate and latency use sequential evidence: decided as soon as the
 * requests make the breach conclusive, at a false-alarm rate of 0.001.
 */
export const DEMO_TRIGGERS: Record<string, unknown>[] = [
  { metric: 'errorRate', above: 0.1, evidence: 'sequential', falseAlarm: 0.001, severity: 'high' },
  { metric: 'latencyP95Ms', above: 800, evidence: 'sequential', falseAlarm: 0.001, severity: 'high' },
  { metric: 'healthCheckFailures', above: 2, severity: 'critical' },
  { metric: 'restarts', above: 0, severity: 'critical' },
];

/** Finds examples/demo/app from this file, compiled (dist/, dist-bench/) or not. */
export function sampleAppDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i += 1) {
    const candidate = path.join(dir, 'examples', 'demo', 'app');
    if (existsSync(path.join(candidate, 'server.js'))) return candidate;
    dir = path.dirname(dir);
  }
  throw new InternalError('the sample service examples/demo/app/server.js is missing from this installation');
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const envFile = (values: Record<string, string>): string =>
  `# written by rewind demo\n${Object.entries(values)
    .map(([key, value]) => `${key}=${value}\n`)
    .join('')}`;

/** The container driver for the sample app: each version's image carries its own fault (demo-image.ts). */
function containerDriver(target: DemoContainerTarget, frontDoor: string): Record<string, unknown> {
  return {
    type: 'container',
    engine: { socket: target.socket },
    image: target.image,
    command: ['/usr/bin/node', '/app/server.js', '--release', '{version}'],
    env: { APP_VERSION: '{version}' },
    port: 8080,
    instances: DEMO_INSTANCES,
    listen: frontDoor,
    pull: 'never',
    stopTimeout: '2s',
  };
}

export async function writeDemoConfig(options: DemoConfigOptions): Promise<DemoConfig> {
  const workDir = path.resolve(options.workDir);
  const stateDir = path.join(workDir, 'state');
  const releasesDir = path.join(workDir, 'releases');
  mkdirSync(stateDir, { recursive: true });
  mkdirSync(releasesDir, { recursive: true });
  // v1 is the good release; v2 carries the fault. Variables already set in the
  // environment win over an env file, so the demo clears FAULT* from its own.
  writeFileSync(path.join(releasesDir, 'v1.env'), envFile({}));
  writeFileSync(path.join(releasesDir, 'v2.env'), envFile(options.plan.env));
  const frontDoor = `127.0.0.1:${options.port ?? (await freePort())}`;
  const config = {
    version: 1,
    controller: { listen: `127.0.0.1:${await freePort()}`, stateDir, evaluationInterval: '250ms' },
    environments: { [DEMO_ENVIRONMENT]: {} },
    services: {
      [DEMO_SERVICE]: {
        driver: options.container
          ? containerDriver(options.container, frontDoor)
          : {
              type: 'local',
              command: [
                process.execPath,
                `--env-file=${path.join(releasesDir, '{version}.env')}`,
                'server.js',
                '--release',
                '{version}',
              ],
              cwd: sampleAppDir(),
              env: { APP_VERSION: '{version}' },
              portEnv: 'PORT',
              instances: DEMO_INSTANCES,
              listen: frontDoor,
              stopTimeout: '3s',
              ...(options.router ? { router: options.router } : {}),
            },
        strategy: 'bluegreen',
        rollbackWindow: '1m',
        health: {
          live: '/health/live',
          ready: '/health/ready',
          interval: '250ms',
          timeout: '500ms',
          failureThreshold: 2,
          // a container engine may take longer than a process to start the first release
          readyTimeout: options.container ? '30s' : '15s',
        },
        analysis: { duration: options.analysis ?? '8s' },
        postRollback: { watch: options.postRollbackWatch ?? '3s' },
        triggers: options.triggers ?? DEMO_TRIGGERS,
        users: { header: DEMO_USERS.header },
      },
    },
    // a short cooldown so a rerun on a kept --state-dir is not held back by the last run's rollback
    policy: { automatic: true, cooldownPeriod: '1s', maximumRetries: 5 },
    ...(options.notifications ? { notifications: demoNotifications(options.notifications) } : {}),
  };
  const configFile = path.join(workDir, 'rewind.yaml');
  writeFileSync(
    configFile,
    `# rewind demo: the bundled sample service, fault ${options.plan.fault}\n${stringify(config)}`,
  );
  return { configFile, stateDir, frontDoor };
}
