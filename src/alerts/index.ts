/**
 * The alert receivers' payloads, read into IncomingAlert. Alertmanager's webhook
 * (version 4), Grafana's unified alerting webhook and Rewind's generic shape all
 * carry `alerts[]` with status, labels, annotations, startsAt and a fingerprint;
 * what differs is checked here so a malformed payload is a 400 that changes nothing.
 */
import type { IncomingAlert } from '../core/ports/alerts.js';
import { alertList, malformed } from './common.js';

export type AlertSource = IncomingAlert['source'];

/** Alertmanager's webhook: `version: "4"`, `alerts[]` with `fingerprint`. */
export function parseAlertmanager(body: unknown, now: number): IncomingAlert[] {
  const version = (body as { version?: unknown } | null)?.version;
  if (version !== undefined && version !== '4')
    throw malformed('alertmanager', `version "${String(version)}": expected "4"`);
  return alertList('alertmanager', body, now);
}

/** Grafana's unified alerting webhook (the same alert fields as Alertmanager's). */
export function parseGrafana(body: unknown, now: number): IncomingAlert[] {
  return alertList('grafana', body, now);
}

/**
 * The generic shape: `{"alerts": [{"status": "firing"|"resolved", "labels": {…},
 * "annotations": {…}, "startsAt": RFC 3339, "fingerprint": "…"}]}`; only labels
 * are required (status defaults to firing, startsAt to now, fingerprint to a hash of the labels).
 */
export function parseGeneric(body: unknown, now: number): IncomingAlert[] {
  return alertList('generic', body, now);
}

export const PARSERS: Record<AlertSource, (body: unknown, now: number) => IncomingAlert[]> = {
  alertmanager: parseAlertmanager,
  grafana: parseGrafana,
  generic: parseGeneric,
};
