import { z } from 'zod';
import { WEEKDAYS, isTimeZone, parseFreezeTime } from '../../core/freeze-windows.js';
import { name } from './primitives.js';

const timeOfDay = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'expected a time of day like "18:00"' })
  .describe('a time of day, 24-hour "HH:MM", in the freeze’s time zone');

const isoTime = z
  .string()
  .refine((value) => !Number.isNaN(parseFreezeTime(value, 'UTC')), {
    error: 'expected an ISO time like "2026-12-24T00:00" (in the freeze’s time zone) or "2026-12-24T00:00:00Z"',
  })
  .describe('an ISO time; without an offset it is read in the freeze’s time zone');

/**
 * A window in which forward deploys are refused (a holiday, an earnings day, every
 * weekend). Rollbacks are never refused by a freeze.
 */
export const freezeSchema = z
  .strictObject({
    name: name('freeze'),
    reason: z.string().min(1).describe('why: shown when a deploy is refused'),
    environments: z.array(z.string()).default([]).describe('environments it covers; empty: all'),
    services: z.array(z.string()).default([]).describe('services it covers; empty: all'),
    timezone: z
      .string()
      .refine(isTimeZone, { error: 'expected an IANA time zone like "Europe/Berlin"' })
      .default('UTC')
      .describe('IANA time zone the times are read in'),
    from: isoTime.optional().describe('one-off window: start'),
    to: isoTime.optional().describe('one-off window: end'),
    weekly: z
      .array(
        z.strictObject({
          days: z.array(z.enum(WEEKDAYS)).min(1).describe('days a window starts on: sun, mon, tue, wed, thu, fri, sat'),
          from: timeOfDay,
          to: timeOfDay.describe('end; at or before `from` means the next day ("00:00" to "00:00": the whole day)'),
        }),
      )
      .optional()
      .describe('recurring windows, each starting on the listed days at `from`'),
  })
  .refine((f) => (f.from === undefined) === (f.to === undefined), {
    error: 'expected both `from` and `to` for a one-off freeze',
    path: ['to'],
  })
  .refine((f) => f.from !== undefined || (f.weekly?.length ?? 0) > 0, {
    error: 'expected `from`/`to` (one-off) or `weekly` windows',
    path: ['weekly'],
  });
