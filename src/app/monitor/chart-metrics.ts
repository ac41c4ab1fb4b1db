/**
 * The signals recorded per second for every watched release even when no trigger
 * reads them: the dashboard charts error rate, p95 latency and request rate of
 * each release, and a chart with holes where no trigger looked would mislead.
 */
export const CHART_METRICS = ['errorRate', 'latencyP95Ms', 'requestRate'] as const;
