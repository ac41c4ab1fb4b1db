/**
 * Placeholders in provider templates: `{service}`, `{env}`,
 * `{version}`, `{revision}`, `{window}` (a PromQL duration such as `60s`),
 * `{windowMs}`, `{metric}` and `{at}` (epoch ms). An unknown placeholder is
 * left as it is so the error the server returns shows it.
 */
import type { SignalQuery } from '../../core/ports/signal-source.js';

/** A PromQL range duration covering the window, whole seconds, at least 1s. */
export function promDuration(windowMs: number): string {
  return `${Math.max(1, Math.round(windowMs / 1000))}s`;
}

export function placeholderValues(query: SignalQuery): Record<string, string> {
  return {
    service: query.service,
    env: query.environment,
    environment: query.environment,
    version: query.version,
    revision: String(query.revision),
    window: promDuration(query.windowMs),
    windowMs: String(query.windowMs),
    metric: query.metric,
    at: String(query.at),
  };
}

/** Replaces `{name}` with `escape(value)`. */
export function fillTemplate(
  template: string,
  values: Record<string, string>,
  escape: (value: string) => string,
): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.hasOwn(values, name) ? escape(values[name] as string) : whole,
  );
}

/** Escapes a value for a double-quoted PromQL string (label matchers). */
export function escapePromQLString(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
