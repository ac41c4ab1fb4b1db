/** The haproxy router: Debian's HAProxy as a service's front door, driven over its runtime API. */
export { createHaproxyRouter } from './haproxy-router.js';
export type { HaproxyRouter } from './haproxy-router.js';
export type { HaproxyRouterOptions } from './options.js';
export { findHaproxy, MISSING_HAPROXY, requireHaproxy } from './binary.js';
