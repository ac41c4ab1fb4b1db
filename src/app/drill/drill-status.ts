import { notFound } from '../../core/errors.js';
import type { Approval } from '../../core/model.js';
import type { AppContext } from '../context.js';
import { allEvents } from '../record/incident.js';
import type { DrillResult } from './drill-result.js';

/** A drill seen from outside: running, or finished with its result. */
export interface DrillStatus {
  /** empty while the drill waits for an approval */
  drillId: string;
  /** `waiting`: a drill in a protected environment waits for another approver */
  status: 'running' | 'finished' | 'waiting';
  result: DrillResult | null;
  approval?: Approval;
}

/** Reads a drill's state back from the event log (drill.started / drill.finished). */
export async function drillStatus(ctx: AppContext, drillId: string): Promise<DrillStatus> {
  const events = await allEvents(ctx, { types: ['drill.started', 'drill.finished'] });
  const mine = events.filter((event) => event.data.drillId === drillId);
  const finished = mine.find((event) => event.type === 'drill.finished');
  if (finished) return { drillId, status: 'finished', result: finished.data as unknown as DrillResult };
  if (mine.length) return { drillId, status: 'running', result: null };
  throw notFound(`drill ${drillId}`, 'start one with: rewind drill <env>');
}
