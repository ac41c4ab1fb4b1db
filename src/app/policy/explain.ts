/**
 * `rewind policy explain <service> --env E`: the decision matrix
 * as Rewind reads it for that environment, with the policy settings and the
 * service's triggers, so a team can check the runbook table it configured.
 */
import type { LoadedConfig } from '../../config/load.js';
import { ExitCode, UserError, notFound } from '../../core/errors.js';
import { formatDuration } from '../../core/duration.js';
import type { MatrixRow } from '../../core/policy/explain.js';
import { explainMatrix } from '../../core/policy/explain.js';
import { effectivePolicy, triggerSpecs } from './effective.js';
import { sequentialRate } from '../../core/policy/sequential-trigger.js';
import { SEQUENTIAL_METHOD } from '../../core/policy/sequential.js';

export interface PolicyExplanation {
  service: string;
  environment: string;
  protected: boolean;
  automatic: boolean;
  cooldownPeriod: string;
  maximumRetries: number;
  approvalTimeout: string;
  onTimeout: string;
  inconclusiveLimit: number;
  /** where the rules come from: config `policy.matrix` or the built-in runbook table */
  matrixSource: 'config' | 'default';
  rows: MatrixRow[];
  triggers: {
    name: string;
    metric: string;
    condition: string;
    for: string;
    minSamples: number;
    consecutive: number;
    severity: string;
    source: string;
    /** how a breach is established: "window" or the sequential test and its false-alarm rate */
    evidence: string;
    /** act, or shadow: evaluated and recorded, never decides */
    mode: 'act' | 'shadow';
  }[];
}

export function explainPolicy(loaded: LoadedConfig, service: string, environment?: string): PolicyExplanation {
  const config = loaded.config.services[service];
  if (!config)
    throw notFound(
      `service "${service}"`,
      `${loaded.file} declares: ${Object.keys(loaded.config.services).join(', ') || 'none'}`,
    );
  const declared = Object.keys(loaded.config.environments);
  const allowed = config.environments ?? declared;
  const env = environment ?? allowed[0];
  if (!env || !allowed.includes(env)) {
    throw new UserError(
      'UNKNOWN_ENVIRONMENT',
      `service "${service}" is not deployed to "${environment}" (its environments: ${allowed.join(', ')})`,
      { status: 400, exitCode: ExitCode.usage },
    );
  }
  const policy = effectivePolicy(loaded.config, env);
  return {
    service,
    environment: env,
    protected: loaded.config.environments[env]?.protected ?? false,
    automatic: policy.automatic,
    cooldownPeriod: formatDuration(policy.cooldownMs),
    maximumRetries: policy.maximumRetries,
    approvalTimeout: formatDuration(policy.approvalTimeoutMs),
    onTimeout: policy.onTimeout,
    inconclusiveLimit: policy.inconclusiveLimit,
    matrixSource: loaded.config.policy.matrix ? 'config' : 'default',
    rows: explainMatrix(policy.matrix, [env]),
    triggers: triggerSpecs(config).map((t) => ({
      name: t.name,
      metric: t.metric,
      condition: t.above !== undefined ? `> ${t.above}` : `< ${t.below}`,
      for: formatDuration(t.forMs),
      minSamples: t.minSamples,
      consecutive: t.consecutive ?? 1,
      severity: t.severity,
      source: t.source ?? 'first that measures it',
      mode: t.mode ?? 'act',
      evidence:
        t.evidence === 'sequential'
          ? `sequential: ${SEQUENTIAL_METHOD} over every request since the watch began, fires when more than ${+(sequentialRate(t) * 100).toFixed(3)} % ${t.metric === 'errorRate' ? 'fail' : `are slower than ${t.above} ms`} at false alarm ${t.falseAlarm ?? 0.001}`
          : 'window',
    })),
  };
}
