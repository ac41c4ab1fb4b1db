import type { RewindApi } from '../../app/index.js';
import { ExitCode } from '../../core/errors.js';
import type { RollbackDetail, Step } from '../../core/model.js';
import { isTerminalRollback, rollbackRestored } from '../../core/model.js';
import type { GlobalOptions } from '../options.js';
import { color, say } from '../output.js';

/** `rewind undo` options, shared with `undo --all | --group`. */
export interface UndoOptions extends GlobalOptions {
  toRevision?: string;
  reason?: string;
  emergency: boolean;
  dryRun: boolean;
  /** false with --no-wait: return once the rollback has started; default true */
  wait: boolean;
  /** follow the rollback to its end, post-rollback watch included; default false: return once traffic is restored */
  waitStable: boolean;
  yes: boolean;
}

export interface GroupOptions {
  all?: boolean;
  group?: string;
}

/** Exit codes of a finished rollback: 0 restored, 1 failed, 4 escalated (a human must act). */
export function rollbackExitCode(status: RollbackDetail['status']): number {
  if (rollbackRestored(status)) return ExitCode.ok;
  if (status === 'escalated') return ExitCode.waiting;
  if (status === 'failed') return ExitCode.failed;
  return ExitCode.ok;
}

/** The steps that put all of a service's traffic on its target: the last shift (not a ramp's) or the platform's undo. */
const movesAllTraffic = (step: Step): boolean =>
  (step.name === 'shift-traffic' && step.params.ramp === undefined) || step.name === 'native-undo';

/**
 * Whether every service of the rollback serves all its traffic from the target
 * again: what a person who ran undo during an incident waits for. False for a
 * plan with no such step (it is followed to its end).
 */
export function trafficRestored(detail: Pick<RollbackDetail, 'steps'>): boolean {
  const moves = detail.steps.filter(movesAllTraffic);
  return moves.length > 0 && moves.every((step) => step.status === 'done');
}

/** What the rollback still does after traffic is back, in its own step titles: "drain and stop v2 (r2), watch …". */
export function stepsLeft(detail: Pick<RollbackDetail, 'steps'>): string {
  return detail.steps
    .filter((step) => step.status === 'pending' || step.status === 'running')
    .map((step) => step.title)
    .join(', ');
}

export interface FollowOptions {
  /** print nothing (--json); default false */
  quiet?: boolean;
  /** `restored`: stop once traffic is back on the target; default `end`: until the rollback ends */
  until?: 'restored' | 'end';
}

/** Follows a rollback, printing each step as it changes, until it ends (or traffic is restored). */
export async function follow(
  api: RewindApi,
  detail: RollbackDetail,
  options: FollowOptions = {},
): Promise<RollbackDetail> {
  const shown = new Map<number, string>();
  let current = detail;
  for (;;) {
    if (!options.quiet) {
      for (const step of current.steps) {
        if (shown.get(step.index) === step.status || step.status === 'pending') continue;
        shown.set(step.index, step.status);
        say(`  ${mark(step.status)} ${step.index + 1}. ${step.title}${why(step)}`);
      }
    }
    if (isTerminalRollback(current.status)) return current;
    if (options.until === 'restored' && trafficRestored(current)) return current;
    await new Promise((resolve) => setTimeout(resolve, 200));
    current = await api.rollback(current.id);
  }
}

const mark = (status: Step['status']): string =>
  ({
    running: color.yellow('…'),
    done: color.green('✓'),
    failed: color.red('✗'),
    skipped: color.dim('-'),
    pending: ' ',
  })[status];

/** A skipped step says why (it did not do its job), a failed one its error. */
function why(step: Step): string {
  if (step.status === 'failed' && step.error) return ` — ${step.error}`;
  if (step.status === 'skipped' && step.output) return ` — skipped: ${step.output.split('\n').at(-1)}`;
  return '';
}

/**
 * The lines for a rollback that goes on after traffic came back: what it still
 * does and how to follow it, so the prompt can come back during an incident.
 */
export function goesOnLines(detail: RollbackDetail, service: string | null): string[] {
  const left = stepsLeft(detail);
  const watch = service ? ` (or rewind status ${service} --watch)` : '';
  return [
    `the rollback goes on in the controller${left ? `: ${left}` : ''}`,
    `follow it with rewind rollback show ${detail.id}${watch}; --wait-stable waits for its end`,
  ];
}
