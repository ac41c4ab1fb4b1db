/**
 * The `container` driver: releases as containers on a Docker Engine API (Docker
 * or Podman) behind Rewind's front door. The composition root wires it like this:
 *
 * ```ts
 * const driver = createContainerDriver({
 *   engine: createEngine(engineSocket(config.engine?.socket)),
 *   project, services,                                   // ContainerServiceOptions by (service, env)
 *   switchFor: (service, env) => switches.switchFor(service), // listening switches, owned by the caller
 *   createProbe: createHealthProbe,                      // from monitor/probes
 * });
 * ```
 */
export { createContainerDriver } from './container-driver.js';
export type { ContainerDriver } from './options.js';
export { createEngine, engineSocket } from './engine.js';
export type { DockerLike } from './engine-like.js';
export type { ContainerDriverOptions, ContainerServiceOptions, PullPolicy } from './options.js';
export { LABEL } from './labels.js';
export { CONTAINER_METRICS } from './signals.js';
