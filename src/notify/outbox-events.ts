import type { RewindEvent } from '../core/model.js';
import type { Store } from '../core/ports/store.js';
import { impactVariables } from './impact-variables.js';

/** events sent after the rollback's impact was measured: their messages carry it */
const AFTER_IMPACT = new Set(['rollback.completed', 'rollback.escalated', 'rollback.failed']);

/** Reads one event by id; the default goes through `Store.listEvents`. */
export type EventLoader = (id: number) => Promise<RewindEvent | null>;

/** Reads rows' events back through the Store port's `getEvent`. */
export function storeEventLoader(store: Store): EventLoader {
  return (id) => store.getEvent(id);
}

/**
 * Events seen by `onEvent` kept briefly so the sender does not read them back, and
 * the `rollback.initiated` data of each rollback, which fills the versions into
 * the later messages (rollback.completed carries no versions of its own).
 */
export function createEventCache(store: Store, loader: EventLoader, size = 500) {
  const events = new Map<number, RewindEvent>();
  const initiated = new Map<string, Record<string, unknown>>();
  const impacts = new Map<string, Record<string, unknown>>();

  const trim = <K, V>(map: Map<K, V>): void => {
    while (map.size > size) map.delete(map.keys().next().value as K);
  };

  return {
    remember(event: RewindEvent): void {
      events.set(event.id, event);
      trim(events);
      if (event.type === 'rollback.initiated' && event.rollbackId) {
        initiated.set(event.rollbackId, event.data);
        trim(initiated);
      }
      if (event.type === 'rollback.impact' && event.rollbackId) {
        impacts.set(event.rollbackId, impactVariables(event.data.impact));
        trim(impacts);
      }
    },
    async get(id: number): Promise<RewindEvent | null> {
      return events.get(id) ?? (await loader(id));
    },
    /** template context for an event: its rollback's initiated data and, once measured, its impact */
    async context(event: RewindEvent): Promise<Record<string, unknown>> {
      if (!event.rollbackId || event.type === 'rollback.initiated') return {};
      if (!AFTER_IMPACT.has(event.type)) return this.initiatedData(event.rollbackId);
      let impact = impacts.get(event.rollbackId);
      if (!impact) {
        const [found] = await store.listEvents({ rollbackId: event.rollbackId, types: ['rollback.impact'], limit: 1 });
        impact = found ? impactVariables(found.data.impact) : {};
      }
      return { ...(await this.initiatedData(event.rollbackId)), ...impact };
    },
    async initiatedData(rollbackId: string): Promise<Record<string, unknown>> {
      const known = initiated.get(rollbackId);
      if (known) return known;
      const [first] = await store.listEvents({ rollbackId, types: ['rollback.initiated'], limit: 1 });
      if (!first) return {};
      initiated.set(rollbackId, first.data);
      trim(initiated);
      return first.data;
    },
  };
}
