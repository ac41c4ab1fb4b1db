/**
 * Smoke tests: a few real requests to the service's front door
 * after a release gets traffic and after a rollback. A failed smoke test is a
 * `critical` trigger outcome, so the matrix decides as for any other trigger
 * (the runbook table rolls critical back).
 */
import type { ServiceConfig } from '../../config/schema/index.js';
import type { TriggerOutcome } from '../../core/policy/triggers.js';

export type SmokeTest = ServiceConfig['smoke'][number];

export interface SmokeResult {
  name: string;
  ok: boolean;
  status: number | null;
  ms: number;
  /** why it failed */
  problem: string | null;
}

/** The front door: `smokeBaseUrl`, or the one the driver knows (the local switch's `listen`); null when neither is known. */
export function smokeBaseUrl(config: ServiceConfig, driverFrontDoor: string | null): string | null {
  if (config.smokeBaseUrl) return config.smokeBaseUrl.replace(/\/$/, '');
  return driverFrontDoor?.replace(/\/$/, '') ?? null;
}

async function runOne(base: string, test: SmokeTest, signal?: AbortSignal): Promise<SmokeResult> {
  const started = performance.now();
  const limit = AbortSignal.timeout(Math.max(test.expect.maxMs ?? 10_000, 1000) * 2);
  try {
    const response = await fetch(`${base}${test.path}`, {
      method: test.method,
      ...(test.body !== undefined ? { body: test.body } : {}),
      signal: signal ? AbortSignal.any([signal, limit]) : limit,
    });
    const body = await response.text();
    const ms = Math.round(performance.now() - started);
    const problems: string[] = [];
    if (response.status !== test.expect.status)
      problems.push(`status ${response.status}, expected ${test.expect.status}`);
    if (test.expect.bodyContains !== undefined && !body.includes(test.expect.bodyContains))
      problems.push(`body lacks "${test.expect.bodyContains}"`);
    if (test.expect.maxMs !== undefined && ms > test.expect.maxMs)
      problems.push(`took ${ms}ms, limit ${test.expect.maxMs}ms`);
    return {
      name: test.name,
      ok: problems.length === 0,
      status: response.status,
      ms,
      problem: problems.join(', ') || null,
    };
  } catch (error) {
    return {
      name: test.name,
      ok: false,
      status: null,
      ms: Math.round(performance.now() - started),
      problem: `no answer: ${(error as Error).message}`,
    };
  }
}

/** Runs the tests one after another (they are few and must not load the service). */
export async function runSmokeTests(base: string, tests: SmokeTest[], signal?: AbortSignal): Promise<SmokeResult[]> {
  const results: SmokeResult[] = [];
  for (const test of tests) results.push(await runOne(base, test, signal));
  return results;
}

/** The results as one trigger outcome on metric `smoke`: value = failed tests. */
export function smokeOutcome(results: SmokeResult[], at: number): TriggerOutcome {
  const failed = results.filter((r) => !r.ok);
  return {
    trigger: failed.length > 0 ? `smoke:${failed.map((r) => r.name).join(',')}` : 'smoke',
    metric: 'smoke',
    severity: 'critical',
    state: failed.length > 0 ? 'fired' : 'ok',
    evidence: {
      value: failed.length,
      threshold: 0,
      op: '>',
      windowMs: 0,
      samples: results.length,
      since: failed.length > 0 ? at : null,
      at,
    },
  };
}

export const describeSmoke = (results: SmokeResult[]): string =>
  results.map((r) => `${r.name}: ${r.ok ? `ok (${r.ms}ms)` : r.problem}`).join('; ');
