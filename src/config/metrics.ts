/**
 * Signals Rewind measures itself. A trigger may also name a metric defined by a
 * provider's `queries`.
 */
export const BUILTIN_METRICS = [
  // from the traffic switch
  'errorRate',
  'latencyP95Ms',
  'latencyP99Ms',
  'requestRate',
  'consecutive5xx',
  // distinct users (services.<name>.users) with a failed request, and that share of users served
  'usersAffected',
  'usersAffectedRatio',
  'usersServed',
  // requests that failed for their user (a retry that was answered well is not one)
  'failedRequests',
  // from probes and processes
  'healthCheckFailures',
  'restarts',
  'cpuPercent',
  'memoryMB',
  // from a container engine's stats: memory in use as a percent of the container's limit
  'memoryPercent',
  // from a configured database
  'dbConnectionsPercent',
  // requestRate as a fraction of the previous release's (throughput drop)
  'throughputRatio',
  // from the Kubernetes API: the revision's pods and its Deployment's rollout
  'readyPods',
  'availablePods',
  'crashLoopBackOff',
  'oomKilled',
  'progressDeadlineExceeded',
] as const;
