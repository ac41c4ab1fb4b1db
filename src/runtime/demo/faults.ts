/**
 * The faults `rewind demo --fault` can give release v2, each one a
 * runbook's reason to roll back, and what the demo expects of it. The sample app
 * (examples/demo/app/server.js) injects them itself from its environment.
 * `crash` and `unhealthy` begin FAULT_AFTER_MS after the app's process starts;
 * `error-rate` and `latency` are on from the first request, so for clients they
 * begin when the faulty release gets its first request.
 */
import { badRequest } from '../../core/errors.js';

export const DEMO_FAULTS = ['error-rate', 'latency', 'crash', 'unhealthy', 'none'] as const;
export type DemoFault = (typeof DEMO_FAULTS)[number];

export interface FaultPlan {
  fault: DemoFault;
  /** what the demo must end with for exit 0 */
  expected: 'rolled-back' | 'promoted';
  /** the sample app's environment for the faulty release (its release env file) */
  env: Record<string, string>;
  /** one line for the terminal */
  description: string;
  /** ms from the process start to the fault (FAULT_AFTER_MS); 0 when it is on from the start */
  activatesAfterMs: number;
}

/** Time from the faulty process's start to its fault: long enough for v2 to be ready and get traffic first. */
export const DEFAULT_FAULT_AFTER_MS = 3000;
/** The latency fault's answer time: well above the 800 ms p95 trigger. */
export const FAULT_LATENCY_MS = 1500;
/** The share of 500s with the error-rate fault (the bench's "50% of responses 500"). */
export const FAULT_ERROR_RATE = 0.5;

export function parseFault(value: string | undefined): DemoFault {
  const fault = value ?? 'error-rate';
  if (!(DEMO_FAULTS as readonly string[]).includes(fault)) {
    throw badRequest(`unknown fault ${JSON.stringify(fault)}: expected one of ${DEMO_FAULTS.join(', ')}`, 'DEMO_FAULT');
  }
  return fault as DemoFault;
}

export function faultPlan(fault: DemoFault, faultAfterMs = DEFAULT_FAULT_AFTER_MS): FaultPlan {
  const after = { FAULT_AFTER_MS: String(faultAfterMs) };
  switch (fault) {
    case 'error-rate':
      return {
        fault,
        expected: 'rolled-back',
        env: { FAULT: fault, FAULT_ERROR_RATE: String(FAULT_ERROR_RATE), ...after },
        description: `v2 answers ${FAULT_ERROR_RATE * 100}% of requests with 500`,
        activatesAfterMs: 0,
      };
    case 'latency':
      return {
        fault,
        expected: 'rolled-back',
        env: { FAULT: fault, FAULT_LATENCY_MS: String(FAULT_LATENCY_MS), ...after },
        description: `v2 takes ${FAULT_LATENCY_MS} ms per answer`,
        activatesAfterMs: 0,
      };
    case 'crash':
      return {
        fault,
        expected: 'rolled-back',
        env: { FAULT: fault, ...after },
        description: `v2 instances crash ${faultAfterMs} ms after they start (again after each restart)`,
        activatesAfterMs: faultAfterMs,
      };
    case 'unhealthy':
      return {
        fault,
        expected: 'rolled-back',
        env: { FAULT: fault, ...after },
        description: `v2 fails its live and ready checks ${faultAfterMs} ms after it starts`,
        activatesAfterMs: faultAfterMs,
      };
    case 'none':
      return { fault, expected: 'promoted', env: {}, description: 'v2 is as good as v1', activatesAfterMs: 0 };
  }
}
