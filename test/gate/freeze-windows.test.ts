/** Freeze windows are read on the team's clock: time zones, windows past midnight, daylight-saving changes. */
import { describe, expect, it } from 'vitest';
import { activeConfigFreezes, parseFreezeTime, type FreezeRule } from '../../src/core/freeze-windows.js';

const rule = (patch: Partial<FreezeRule>): FreezeRule => ({
  name: 'f',
  reason: 'r',
  environments: [],
  services: [],
  timezone: 'UTC',
  ...patch,
});
const at = (iso: string) => Date.parse(iso);

describe('freeze windows', () => {
  it('reads a one-off window without an offset in its own time zone', () => {
    expect(parseFreezeTime('2026-12-24T00:00', 'Asia/Tokyo')).toBe(at('2026-12-23T15:00:00Z'));
    expect(parseFreezeTime('2026-07-01T12:00', 'Europe/Berlin')).toBe(at('2026-07-01T10:00:00Z'));
    expect(parseFreezeTime('2026-12-24T00:00:00Z', 'Asia/Tokyo')).toBe(at('2026-12-24T00:00:00Z'));
    const xmas = rule({ timezone: 'Asia/Tokyo', from: '2026-12-24T00:00', to: '2026-12-26T00:00' });
    expect(activeConfigFreezes([xmas], at('2026-12-23T15:30:00Z'), 'web', 'production')).toHaveLength(1);
    expect(activeConfigFreezes([xmas], at('2026-12-23T14:30:00Z'), 'web', 'production')).toHaveLength(0);
  });

  it('a weekly window past midnight starts on the listed days and ends the next morning', () => {
    const nights = rule({ timezone: 'America/New_York', weekly: [{ days: ['fri'], from: '18:00', to: '08:00' }] });
    // Friday 2026-12-04 18:30 New York (EST, UTC-5) = 23:30 UTC
    const frozen = activeConfigFreezes([nights], at('2026-12-04T23:30:00Z'), 'web', 'production');
    expect(frozen[0]?.endsAt).toBe(at('2026-12-05T13:00:00Z'));
    // Saturday 07:59 local still frozen, 08:01 not, Thursday 19:00 not
    expect(activeConfigFreezes([nights], at('2026-12-05T12:59:00Z'), 'web', 'production')).toHaveLength(1);
    expect(activeConfigFreezes([nights], at('2026-12-05T13:01:00Z'), 'web', 'production')).toHaveLength(0);
    expect(activeConfigFreezes([nights], at('2026-12-04T00:00:00Z'), 'web', 'production')).toHaveLength(0);
  });

  it('follows the local clock across a daylight-saving change', () => {
    // Europe/Berlin leaves summer time on 2026-10-25 at 03:00 local
    const weekend = rule({ timezone: 'Europe/Berlin', weekly: [{ days: ['sat', 'sun'], from: '00:00', to: '00:00' }] });
    const sunday = activeConfigFreezes([weekend], at('2026-10-25T12:00:00Z'), 'web', 'production');
    // Sunday 00:00 CEST = Saturday 22:00 UTC; Monday 00:00 CET = Sunday 23:00 UTC (a 25-hour day)
    expect(sunday[0]?.startedAt).toBe(at('2026-10-24T22:00:00Z'));
    expect(sunday[0]?.endsAt).toBe(at('2026-10-25T23:00:00Z'));
  });

  it('applies only to the environments and services it names', () => {
    const staging = rule({
      environments: ['staging'],
      services: ['api'],
      from: '2026-01-01T00:00',
      to: '2027-01-01T00:00',
    });
    const now = at('2026-06-01T00:00:00Z');
    expect(activeConfigFreezes([staging], now, 'api', 'staging')).toHaveLength(1);
    expect(activeConfigFreezes([staging], now, 'api', 'production')).toHaveLength(0);
    expect(activeConfigFreezes([staging], now, 'web', 'staging')).toHaveLength(0);
  });
});
