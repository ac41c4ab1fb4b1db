/** The built-in traffic switch and its telemetry. */
export { createTrafficSwitch } from './traffic-switch.js';
export type { TrafficSwitchOptions } from './options.js';
export type { MetricValue, ProxyMetric, TelemetryReader, TrafficSwitch, Upstream } from './types.js';
export { BUCKET_COUNT, MAX_LATENCY_MS, MIN_LATENCY_MS } from './latency-histogram.js';
