export { httpCheck } from './http-check.js';
export type { HttpCheckResult } from './http-check.js';
export { createHealthProbe } from './health-probe.js';
export type { HealthProbe, HealthProbeOptions, HealthProbeState } from './health-probe.js';
export { createProbeSignalSource, PROBE_METRICS } from './probe-signal-source.js';
export type { ProbeSignalSourceOptions, ProbedInstanceLike, ProbedReleaseLike } from './probe-signal-source.js';
export { cpuPercentBetween, groupMembers, procAvailable, sampleGroups } from './proc-stats.js';
export type { ProcSample } from './proc-stats.js';
