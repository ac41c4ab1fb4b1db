/**
 * The triggers and policy a watch judges by, taken from the config it runs.
 * A reload that changes them reaches a watch already running at its next
 * evaluation: the evaluators are made anew (their counts start over), so a
 * threshold raised mid-incident is the one the next reading is held to.
 */
import type { TriggerEvaluator } from '../../core/policy/triggers.js';
import { createTriggerEvaluator } from '../../core/policy/triggers.js';
import type { AppContext } from '../context.js';
import { serviceConfig } from '../context.js';
import { crashLoopTrigger, effectivePolicy, triggerSpecs } from '../policy/effective.js';

export interface WatchRules {
  /** the config object they were read from: a reload replaces it */
  from: object;
  key: string;
  evaluators: TriggerEvaluator[];
  policy: ReturnType<typeof effectivePolicy>;
}

export function watchRules(ctx: AppContext, service: string, environment: string, tighten = 1): WatchRules {
  const config = serviceConfig(ctx, service);
  const policy = effectivePolicy(ctx.loaded.config, environment);
  // a driver that counts restarts makes a crash loop a failed release, with or without a restarts trigger
  const crashLoop = ctx.driver(service).capabilities.restartSignals ? crashLoopTrigger(config) : null;
  const specs = [...triggerSpecs(config, tighten), ...(crashLoop ? [crashLoop] : [])];
  return {
    from: ctx.loaded.config,
    key: JSON.stringify({ specs, policy }),
    evaluators: specs.map((spec) => createTriggerEvaluator(spec, { inconclusiveLimit: policy.inconclusiveLimit })),
    policy,
  };
}

/** The same rules, or new ones when a reload changed what this watch reads. */
export function currentRules(ctx: AppContext, rules: WatchRules, service: string, environment: string, tighten = 1) {
  if (ctx.loaded.config === rules.from) return rules;
  const next = watchRules(ctx, service, environment, tighten);
  return next.key === rules.key ? { ...rules, from: next.from } : next;
}
