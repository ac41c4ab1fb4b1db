import type { AppContext } from '../context.js';
import { rollbackDetail } from '../queries.js';

/** One message about a rollback to one channel, as the outbox knows it. */
export interface SentNotification {
  eventId: number;
  type: string;
  channel: string;
  status: 'pending' | 'sent' | 'dead';
  attempts: number;
  sentAt: number | null;
  lastError: string | null;
}

/** Who was told what about a rollback: each of its events' deliveries, per channel. */
export async function rollbackNotifications(ctx: AppContext, rollbackId: string): Promise<SentNotification[]> {
  await rollbackDetail(ctx, rollbackId);
  const events = await ctx.store.listEvents({ rollbackId, limit: 5000 });
  const types = new Map(events.map((e) => [e.id, e.type]));
  const deliveries = await ctx.store.outboxFor([...types.keys()]);
  return deliveries.map((d) => ({
    eventId: d.eventId,
    type: types.get(d.eventId) ?? '',
    channel: d.channel,
    status: d.status,
    attempts: d.attempts,
    sentAt: d.sentAt,
    lastError: d.lastError === null ? null : ctx.redact(d.lastError),
  }));
}
