import { z } from 'zod';
import { duration, name, severity } from './primitives.js';

const labels = (what: string) => z.record(z.string(), z.string()).default({}).describe(what);

/**
 * How alerts from a team's monitoring (Alertmanager, Grafana, a generic webhook)
 * map to this service: which alerts are about it, in which environment, and how
 * the decision matrix should weigh them.
 */
export const alertMappingSchema = z.strictObject({
  name: name('alert mapping').optional().describe('names the mapping in events; default the trigger name'),
  match: labels('labels the alert must carry with exactly these values, e.g. { service: web, severity: critical }'),
  matchRe: labels(
    'labels whose values must match these regular expressions (anchored at both ends, as Alertmanager does)',
  ),
  environment: z
    .string()
    .optional()
    .describe(
      'environment the alerts speak of; default the alert’s `environment` (or `env`) label, then the service’s first',
    ),
  severity: severity
    .optional()
    .describe(
      'severity for the decision matrix; default the alert’s `severity` label when it is low|medium|high|critical, else high',
    ),
  trigger: name('trigger').optional().describe('the trigger name decisions and reports show; default the alertname'),
  window: duration(
    'an alert that starts within this time after a release got traffic (or was promoted) is blamed on it; default the service’s rollbackWindow',
  ).optional(),
  mode: z
    .enum(['act', 'shadow'])
    .default('act')
    .describe('shadow: recorded and shown (trigger.shadow-fired) but never acted on'),
});
