/**
 * Trigger specifications: a rule over one signal — threshold,
 * `for` duration, minimum samples, severity. Validation lives here so config,
 * replay and the monitor all reject the same bad specs with the same words.
 */
import { UserError } from '../errors.js';

export type Severity = 'low' | 'medium' | 'high' | 'critical';
export const SEVERITIES: readonly Severity[] = ['low', 'medium', 'high', 'critical'];

export interface TriggerSpec {
  /** unique per service: `error-rate`, `health-check`, `data-integrity` */
  name: string;
  /** the signal it watches: `errorRate`, `latencyP95Ms`, `health`, … */
  metric: string;
  /** breach when the value is strictly greater than this */
  above?: number;
  /** breach when the value is strictly lower than this */
  below?: number;
  /** how long the breach must be sustained, in ms; 0 = one bad evaluation suffices */
  forMs: number;
  /** a reading with fewer samples than this cannot breach (too little traffic to judge) */
  minSamples: number;
  severity: Severity;
  /** bad evaluations needed in a row; default 1 (runbook: "3+ consecutive health check failures") */
  consecutive?: number;
  /** the SignalSource to ask (by name); default: the first source that serves the metric */
  source?: string;
  /** the window each reading covers, in ms; default `max(forMs, 60_000)` */
  windowMs?: number;
  /**
   * `window` (default): the reading over `windowMs` must breach for `forMs`.
   * `sequential`: readings are cumulative since the watch began and a sequential
   * test decides (see sequential.ts); errorRate, latencyP95Ms, latencyP99Ms only
   */
  evidence?: 'window' | 'sequential';
  /** sequential evidence: false-alarm probability over a whole watch; default 0.001 */
  falseAlarm?: number;
  /** `shadow`: evaluated and recorded like any other trigger, but never decides anything; default acts */
  mode?: 'act' | 'shadow';
}

/** What a breach compares: `>` for `above`, `<` for `below`. */
export type ThresholdOp = '>' | '<';

/** The query window a trigger reads over (see {@link TriggerSpec.windowMs}). */
export function triggerWindowMs(spec: TriggerSpec): number {
  return spec.windowMs ?? Math.max(spec.forMs, 60_000);
}

const isCount = (value: unknown): boolean => typeof value === 'number' && Number.isInteger(value) && value >= 0;
const isFiniteNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/**
 * Throws a `UserError` (code `INVALID_TRIGGER`) naming the trigger and the field
 * when a spec cannot be evaluated; returns the spec with defaults filled in.
 */
export function validateTrigger(
  spec: TriggerSpec,
): Required<Omit<TriggerSpec, 'above' | 'below' | 'source' | 'evidence' | 'falseAlarm' | 'mode'>> & TriggerSpec {
  const label = typeof spec?.name === 'string' && spec.name !== '' ? `trigger "${spec.name}"` : 'a trigger';
  const fail = (what: string): never => {
    throw new UserError('INVALID_TRIGGER', `${label}: ${what}`, { status: 400, exitCode: 2 });
  };
  if (typeof spec?.name !== 'string' || spec.name.trim() === '') fail('needs a non-empty name');
  if (typeof spec.metric !== 'string' || spec.metric.trim() === '') fail('needs a metric');
  if (spec.above === undefined && spec.below === undefined) fail('needs `above` or `below` (a threshold)');
  if (spec.above !== undefined && !isFiniteNumber(spec.above)) fail('`above` must be a finite number');
  if (spec.below !== undefined && !isFiniteNumber(spec.below)) fail('`below` must be a finite number');
  if (spec.above !== undefined && spec.below !== undefined && spec.below > spec.above) {
    fail('`below` is greater than `above`: every value would breach');
  }
  if (!isCount(spec.forMs)) fail('`forMs` must be a whole number of milliseconds ≥ 0');
  if (!isCount(spec.minSamples)) fail('`minSamples` must be a whole number ≥ 0');
  if (!SEVERITIES.includes(spec.severity)) fail(`\`severity\` must be one of ${SEVERITIES.join(', ')}`);
  const consecutive = spec.consecutive ?? 1;
  if (!isCount(consecutive) || consecutive < 1) fail('`consecutive` must be a whole number ≥ 1');
  if (spec.windowMs !== undefined && (!isCount(spec.windowMs) || spec.windowMs < 1)) fail('`windowMs` must be ≥ 1');
  if (spec.evidence === 'sequential') {
    if (!['errorRate', 'latencyP95Ms', 'latencyP99Ms'].includes(spec.metric) || spec.above === undefined)
      fail('sequential evidence needs errorRate, latencyP95Ms or latencyP99Ms with `above`');
    if (spec.metric === 'errorRate' && !((spec.above as number) > 0 && (spec.above as number) < 1))
      fail('sequential evidence on errorRate needs `above` between 0 and 1');
    const falseAlarm = spec.falseAlarm ?? 0.001;
    if (!(falseAlarm > 0 && falseAlarm < 0.5)) fail('`falseAlarm` must be between 0 and 0.5');
  }
  return { ...spec, consecutive, windowMs: triggerWindowMs(spec) };
}
