import { systemClock } from '../core/clock.js';
import { errorMessage } from '../core/errors.js';
import type { RewindEvent } from '../core/model.js';
import type { NotificationMessage } from '../core/ports/notifier.js';
import type { OutboxItem } from '../core/ports/store.js';
import { isRetryable } from './delivery-error.js';
import { linkedSignal } from '../core/linked-signal.js';
import { sendWithDeadline } from './send-with-deadline.js';
import { backoffDelay } from './outbox-backoff.js';
import { createEventCache, storeEventLoader } from './outbox-events.js';
import type { OutboxDispatcher, OutboxDispatcherOptions } from './outbox-types.js';
import { routeEvent } from './routing.js';
import { renderMessage } from './templates.js';

export type { OutboxDispatcher, OutboxDispatcherOptions } from './outbox-types.js';

/**
 * The notification outbox (DESIGN.md "Notifier never blocks or fails a
 * rollback"). `onEvent` only writes rows; a background loop delivers due rows.
 * Each channel has its own worker, so a channel that is down or slow delays only
 * itself. On a failure the channel backs off: its failing row gets a retry time
 * and its other due rows are moved to the same time without spending an attempt
 * (the head row is the probe). A row is `dead` after `maxAttempts` real tries or
 * at once when the receiver refused the request itself (4xx). Delivery is
 * at-least-once: a crash between a send and its mark repeats that one message.
 */
export function createOutboxDispatcher(options: OutboxDispatcherOptions): OutboxDispatcher {
  const { store, routes } = options;
  const clock = options.clock ?? systemClock;
  const pollMs = options.pollMs ?? 1_000;
  const batchSize = options.batchSize ?? 100;
  const maxAttempts = options.maxAttempts ?? 8;
  const sendTimeoutMs = options.sendTimeoutMs ?? 30_000;
  const log = options.log ?? (() => undefined);
  const notifiers = new Map(options.notifiers.map((notifier) => [notifier.name, notifier]));
  const events = createEventCache(store, options.loadEvent ?? storeEventLoader(store));

  const stopGraceMs = options.stopGraceMs ?? 5_000;
  /** no new rows once aborted */
  const stopping = new AbortController();
  /** aborts sends in flight: only after the grace period of stop() */
  const inFlight = new AbortController();
  let wake = new AbortController();
  let loop: Promise<void> | null = null;
  let stopped: Promise<void> | null = null;
  const workers = new Map<string, Promise<void>>();
  /** consecutive failures per channel, for the backoff after a restart of the head row */
  const failures = new Map<string, number>();
  /** a failing channel takes no row before this time, so its rows keep their order */
  const blockedUntil = new Map<string, number>();

  const nudge = (): void => wake.abort();

  async function pass(): Promise<void> {
    // a channel busy when the query starts may mark its rows while the query runs
    // (PostgreSQL answers later): its rows in this answer can be stale, so skip it
    const busyBefore = new Set(workers.keys());
    const due = await store.dueOutbox(clock.now(), batchSize);
    const byChannel = new Map<string, OutboxItem[]>();
    for (const row of due) {
      if (row.status !== 'pending') continue;
      byChannel.set(row.channel, [...(byChannel.get(row.channel) ?? []), row]);
    }
    const now = clock.now();
    for (const [channel, rows] of byChannel) {
      if (workers.has(channel) || busyBefore.has(channel)) continue;
      rows.sort((a, b) => a.id - b.id);
      const until = blockedUntil.get(channel) ?? 0;
      if (until > now) {
        // rows queued after the channel failed wait behind its head row (PagerDuty
        // must see the trigger before the resolve), and leave the due set meanwhile
        await defer(rows, until);
        continue;
      }
      // a finished worker wakes the loop for rows that arrived meanwhile; one that
      // crashed (the store failing) waits for the next poll instead of spinning
      const worker = deliver(channel, rows).then(
        () => {
          workers.delete(channel);
          nudge();
        },
        (error: unknown) => {
          workers.delete(channel);
          log({ level: 'error', message: `outbox worker failed: ${errorMessage(error)}`, channel });
        },
      );
      workers.set(channel, worker);
    }
  }

  async function deliver(channel: string, rows: OutboxItem[]): Promise<void> {
    for (const [position, row] of rows.entries()) {
      if (stopping.signal.aborted) return;
      const notifier = notifiers.get(channel);
      const event = notifier ? await events.get(row.eventId) : null;
      if (!notifier || !event) {
        const why = notifier ? `event ${row.eventId} not found` : `no notifier named "${channel}" is configured`;
        await store.markOutbox(row.id, {
          status: 'dead',
          attempts: row.attempts,
          nextAttemptAt: row.nextAttemptAt,
          lastError: why,
          sentAt: null,
        });
        log({ level: 'warn', message: `outbox row ${row.id} dead: ${why}`, channel, eventId: row.eventId });
        continue;
      }
      try {
        await sendWithDeadline(notifier, await message(event), sendTimeoutMs, inFlight.signal);
        failures.delete(channel);
        blockedUntil.delete(channel);
        await store.markOutbox(row.id, {
          status: 'sent',
          attempts: row.attempts + 1,
          nextAttemptAt: row.nextAttemptAt,
          lastError: null,
          sentAt: clock.now(),
        });
      } catch (error) {
        // stop() aborted the send: the try does not count and the row stays due
        if (inFlight.signal.aborted) return;
        const attempts = row.attempts + 1;
        const reason = errorMessage(error);
        if (!isRetryable(error) || attempts >= maxAttempts) {
          await store.markOutbox(row.id, {
            status: 'dead',
            attempts,
            nextAttemptAt: row.nextAttemptAt,
            lastError: reason,
            sentAt: null,
          });
          log({
            level: 'error',
            message: `notification to ${channel} dead after ${attempts} attempt(s): ${reason}`,
            channel,
            eventId: row.eventId,
          });
          continue; // a refused request says nothing about the channel: go on
        }
        const failed = Math.max(attempts, (failures.get(channel) ?? 0) + 1);
        failures.set(channel, failed);
        const retryAt = clock.now() + backoffDelay(failed, options.backoff);
        await store.markOutbox(row.id, {
          status: 'pending',
          attempts,
          nextAttemptAt: retryAt,
          lastError: reason,
          sentAt: null,
        });
        log({
          level: 'warn',
          message: `notification to ${channel} failed (attempt ${attempts}), retry in ${retryAt - clock.now()}ms: ${reason}`,
          channel,
          eventId: row.eventId,
        });
        blockedUntil.set(channel, retryAt);
        await defer(rows.slice(position + 1), retryAt);
        return;
      }
    }
  }

  /** moves rows to `until` without spending an attempt: only the head row probes */
  async function defer(rows: readonly OutboxItem[], until: number): Promise<void> {
    for (const row of rows) {
      await store.markOutbox(row.id, {
        status: 'pending',
        attempts: row.attempts,
        nextAttemptAt: until,
        lastError: row.lastError,
        sentAt: null,
      });
    }
  }

  async function message(event: RewindEvent): Promise<NotificationMessage> {
    let context: Record<string, unknown> = {};
    try {
      context = await events.context(event);
    } catch {
      // the versions are a nicety; the message goes out without them
    }
    const { title, text } = renderMessage(event, options.templates, context);
    return { event, title, text, dedupKey: event.rollbackId ?? `event-${event.id}` };
  }

  async function run(): Promise<void> {
    while (!stopping.signal.aborted) {
      try {
        await pass();
      } catch (error) {
        log({ level: 'error', message: `outbox pass failed: ${errorMessage(error)}` });
      }
      if (stopping.signal.aborted) break;
      if (wake.signal.aborted) {
        // woken while passing: something new arrived, look again at once
        wake = new AbortController();
        continue;
      }
      const interrupt = linkedSignal(null, stopping.signal, wake.signal);
      try {
        await clock.sleep(pollMs, interrupt.signal);
      } catch {
        // woken early by a new row, a finished worker or stop()
      } finally {
        interrupt.dispose();
      }
    }
  }

  return {
    async onEvent(event) {
      try {
        events.remember(event);
        const channels = routeEvent(event, routes, notifiers.keys());
        if (channels.length === 0) return 0;
        const added = await store.enqueue(
          channels.map((channel) => ({ eventId: event.id, channel })),
          clock.now(),
        );
        nudge();
        return added;
      } catch (error) {
        log({
          level: 'error',
          message: `could not queue notifications for event ${event.id}: ${errorMessage(error)}`,
          eventId: event.id,
        });
        return 0;
      }
    },
    start() {
      if (loop || stopping.signal.aborted) return;
      loop = run();
    },
    stop() {
      stopped ??= (async () => {
        stopping.abort(new Error('outbox dispatcher stopped'));
        await loop;
        // graceful first (a delivery that reached the receiver gets marked sent), then abort
        const grace = setTimeout(() => inFlight.abort(new Error('outbox dispatcher stopped')), stopGraceMs);
        await Promise.allSettled([...workers.values()]);
        clearTimeout(grace);
      })();
      return stopped;
    },
    backlog: () => store.outboxBacklog(),
  };
}
