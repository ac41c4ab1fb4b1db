import { z } from 'zod';
import { argv, duration, hostPort, isAddressOrBlock } from './primitives.js';

/** The front door of a service on one host, the same for local processes and containers. */
export const frontDoorFields = {
  listen: hostPort('the service front door: Rewind’s traffic switch listens here'),
  router: z
    .enum(['builtin', 'haproxy'])
    .default('builtin')
    .describe(
      'the front door: builtin (Rewind’s own switch, nothing to install) or haproxy (Debian’s HAProxy ≥ 2.4, driven over its runtime API)',
    ),
  upstreamTimeout: duration(
    'an instance that has not started its answer this long after the request answers 504, counted as an error of its release',
  ).default('30s'),
  trustForwardedFrom: z
    .array(z.string().refine(isAddressOrBlock, { error: 'expected an IP address or a CIDR block like "10.0.0.0/8"' }))
    .default([])
    .describe(
      'addresses or CIDR blocks (a load balancer in front) whose X-Forwarded-* headers are kept; from anyone else they are replaced',
    ),
};

const MEMORY = /^(\d+(?:\.\d+)?)\s*([kmg]i?b?|b)?$/i;

/** "512m", "1g", "268435456" → bytes; null when it is not a size. */
export function memoryBytes(text: string): number | null {
  const match = MEMORY.exec(text.trim());
  if (!match) return null;
  const unit = (match[2] ?? 'b').toLowerCase()[0] as 'b' | 'k' | 'm' | 'g';
  return Math.round(Number(match[1]) * { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[unit]);
}

const configFile = z
  .strictObject({
    file: z.string().min(1).describe('the file on this host, relative to rewind.yaml; it must exist at deploy'),
    mountAt: z
      .string()
      .refine((p) => p.startsWith('/'), {
        error: 'expected an absolute path inside the container, e.g. /etc/app/conf.json',
      })
      .describe('where the container reads it: an absolute path, mounted read-only'),
  })
  .describe('one config file of the release');

const containerConfigFiles = z
  .array(configFile)
  .default([])
  .refine((files) => new Set(files.map((f) => f.mountAt)).size === files.length, {
    error: 'each mountAt may appear once',
  })
  .refine((files) => new Set(files.map((f) => f.file)).size === files.length, { error: 'each file may appear once' })
  .describe(
    'files copied for each release at its first start and mounted read-only from that copy: a rollback mounts the target’s own copy, so config rolls back with the image; kept in the store at deploy like the local driver’s',
  );

/** Placeholders {service} {env} {version} {revision} work in image, command and env values. */
export const containerDriver = z
  .strictObject({
    type: z.literal('container'),
    engine: z
      .strictObject({
        socket: z
          .string()
          .min(1)
          .optional()
          .describe('the Docker Engine API socket; default DOCKER_HOST, then /var/run/docker.sock'),
      })
      .default({})
      .describe('the engine: Docker, or Podman’s `podman system service`'),
    image: z
      .string()
      .min(1)
      .optional()
      .describe(
        'image reference, e.g. registry/app:{version}; the digest is resolved at deploy and recorded; default: the Compose service’s image repository with {version} as its tag',
      ),
    compose: z
      .strictObject({
        file: z.string().min(1).describe('the Compose file, relative to rewind.yaml'),
        service: z.string().min(1).describe('the service in it'),
      })
      .optional()
      .describe(
        'take image, command, environment, port, volumes, mem_limit and cpus from a service of a Compose file; keys set here win; any other Compose key is reported with its position',
      ),
    adopt: z
      .strictObject({
        labels: z
          .record(z.string(), z.string())
          .optional()
          .describe(
            'labels every adopted container has; default com.docker.compose.service=<compose.service, else this service’s name>',
          ),
      })
      .default({})
      .describe('what rewind adopt takes over: running containers started outside Rewind, selected by label'),
    command: argv('argv overriding the image’s command; {version} is replaced').optional(),
    env: z
      .record(z.string(), z.string())
      .default({})
      .describe('container environment; {version} is replaced in values'),
    port: z
      .number()
      .int()
      .min(1)
      .max(65535)
      .default(8080)
      .describe('the container’s port, published on 127.0.0.1 at a free port'),
    instances: z.number().int().min(1).max(64).default(1).describe('containers per release'),
    pull: z
      .enum(['always', 'ifNotPresent', 'never'])
      .default('ifNotPresent')
      .describe('when the image is pulled at deploy: always, ifNotPresent (the tag is missing) or never'),
    volumes: z.array(z.string().min(1)).default([]).describe('bind mounts or named volumes, "source:/path[:ro]"'),
    configFiles: containerConfigFiles,
    network: z.string().min(1).optional().describe('network to attach the containers to; default the engine’s bridge'),
    cpus: z.number().gt(0).optional().describe('CPU limit in cores, e.g. 0.5'),
    memory: z
      .string()
      .refine((m) => memoryBytes(m) !== null, { error: 'expected a size like "256m" or "1g"' })
      .optional()
      .describe('memory limit; the memoryPercent signal is of this limit'),
    labels: z
      .record(z.string(), z.string())
      .default({})
      .describe('extra labels; Rewind’s dev.rewind.* labels always win'),
    keepStopped: z
      .number()
      .int()
      .min(0)
      .default(3)
      .describe('retired releases kept as stopped containers for a cold rollback; older ones are removed'),
    imageHealthcheck: z
      .boolean()
      .default(false)
      .describe(
        'true: the image’s HEALTHCHECK counts as well as the health probes: a container is ready once the engine reports it healthy, and unhealthy fails it (a deploy fails, a live release rolls back by its healthCheckFailures); Docker runs the check, on Podman Rewind runs it at the check’s interval; an image without one is judged by the probes alone',
      ),
    ...frontDoorFields,
    stopTimeout: duration('SIGTERM → SIGKILL grace').default('10s'),
  })
  .describe('run releases as containers (Docker or Podman) behind Rewind’s traffic switch');
