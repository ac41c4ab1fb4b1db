import { createHash } from 'node:crypto';
import { UserError } from '../core/errors.js';
import type { IncomingAlert } from '../core/ports/alerts.js';

export const malformed = (source: string, why: string): UserError =>
  new UserError('BAD_ALERT', `malformed ${source} payload: ${why}`, { status: 400 });

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A label or annotation set: string values only; anything else is a malformed payload. */
export function stringMap(source: string, value: unknown, what: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) throw malformed(source, `${what} must be an object of strings`);
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw malformed(source, `${what}.${key} must be a string`);
    out[key] = v;
  }
  return out;
}

/** Alertmanager writes "0001-01-01T00:00:00Z" for "not set". */
function time(source: string, value: unknown, what: string): number | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string') throw malformed(source, `${what} must be an RFC 3339 time`);
  const at = Date.parse(value);
  if (Number.isNaN(at)) throw malformed(source, `${what} "${value}" is not an RFC 3339 time`);
  return at <= 0 ? null : at;
}

const hashLabels = (labels: Record<string, string>): string =>
  createHash('sha256')
    .update(JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b))))
    .digest('hex')
    .slice(0, 16);

/** The `alerts[]` of a payload, each normalised; `now` stands in for a missing start. */
export function alertList(source: IncomingAlert['source'], body: unknown, now: number): IncomingAlert[] {
  if (!isRecord(body)) throw malformed(source, 'expected a JSON object');
  if (!Array.isArray(body.alerts)) throw malformed(source, 'expected `alerts` to be an array');
  if (body.alerts.length > 1000) throw malformed(source, 'more than 1,000 alerts in one payload');
  return body.alerts.map((raw: unknown, i: number) => {
    if (!isRecord(raw)) throw malformed(source, `alerts[${i}] must be an object`);
    const status = raw.status ?? 'firing';
    if (status !== 'firing' && status !== 'resolved')
      throw malformed(source, `alerts[${i}].status must be "firing" or "resolved"`);
    const labels = stringMap(source, raw.labels, `alerts[${i}].labels`);
    if (Object.keys(labels).length === 0) throw malformed(source, `alerts[${i}].labels must not be empty`);
    const fingerprint = raw.fingerprint ?? hashLabels(labels);
    if (typeof fingerprint !== 'string' || !fingerprint)
      throw malformed(source, `alerts[${i}].fingerprint must be a string`);
    return {
      source,
      status,
      labels,
      annotations: stringMap(source, raw.annotations, `alerts[${i}].annotations`),
      startsAt: time(source, raw.startsAt, `alerts[${i}].startsAt`) ?? now,
      endsAt: status === 'resolved' ? (time(source, raw.endsAt, `alerts[${i}].endsAt`) ?? now) : null,
      fingerprint,
    };
  });
}
