/**
 * A SignalSource backed by Prometheus instant queries. Each metric
 * has a PromQL template; the monitor asks at the evaluation time over the
 * trigger's window. An unreachable or failing Prometheus answers
 * `inconclusive` (never throws, never a healthy value); an empty result
 * answers `no-data`.
 */
import { UserError } from '../../core/errors.js';
import type { SignalQuery, SignalReading, SignalSource } from '../../core/ports/signal-source.js';
import { cleanMessage, fetchJson } from './fetch-json.js';
import { escapePromQLString, fillTemplate, placeholderValues } from './query-template.js';
import { urlSecrets } from './redact.js';

export interface PrometheusQuery {
  /** PromQL giving the signal's value as one series or a scalar */
  value: string;
  /**
   * PromQL giving how many samples (requests) are behind the value, e.g.
   * `sum(increase(http_requests_total{service="{service}"}[{window}]))`;
   * default none: each answer then counts as one sample.
   */
  samples?: string;
}

export interface PrometheusSourceOptions {
  /** base URL, e.g. `http://127.0.0.1:9090` (a path prefix is kept) */
  url: string;
  /** PromQL template per metric name, with {service} {env} {version} {revision} {window} placeholders */
  queries: Record<string, string | PrometheusQuery>;
  /** per request; default 5000 ms */
  timeoutMs?: number;
  auth?: { bearer: string } | { username: string; password: string };
  /** default `prometheus` */
  name?: string;
}

type Parsed = { kind: 'value'; value: number } | { kind: 'empty' } | { kind: 'error'; error: string };

/** Reads an instant-query answer: one series or a scalar. */
function parseInstant(body: unknown): Parsed {
  const data = (body as { status?: unknown; data?: { resultType?: unknown; result?: unknown } } | null)?.data;
  if ((body as { status?: unknown })?.status !== 'success' || !data)
    return { kind: 'error', error: 'answer is not a successful query result' };
  let raw: unknown;
  if (data.resultType === 'scalar') {
    raw = (data.result as unknown[] | undefined)?.[1];
  } else if (data.resultType === 'vector') {
    const series = Array.isArray(data.result) ? data.result : [];
    if (series.length === 0) return { kind: 'empty' };
    if (series.length > 1)
      return {
        kind: 'error',
        error: `query returned ${series.length} series; aggregate it to one (sum(), avg(), max())`,
      };
    raw = (series[0] as { value?: unknown[] }).value?.[1];
  } else {
    return {
      kind: 'error',
      error: `query returned a ${String(data.resultType)}; an instant vector or scalar is needed`,
    };
  }
  const value = Number(raw);
  if (typeof raw !== 'string' || raw === '') return { kind: 'error', error: 'series has no value' };
  if (Number.isNaN(value)) return { kind: 'empty' }; // 0/0: no requests in the window
  if (!Number.isFinite(value)) return { kind: 'error', error: `value is ${raw}` };
  return { kind: 'value', value };
}

export function createPrometheusSource(options: PrometheusSourceOptions): SignalSource {
  let base: URL;
  try {
    base = new URL(options.url);
  } catch {
    throw new UserError(
      'INVALID_PROMETHEUS_URL',
      'prometheus: `url` must be an absolute URL such as http://127.0.0.1:9090',
      { exitCode: 2 },
    );
  }
  const queries = new Map<string, PrometheusQuery>();
  for (const [metric, spec] of Object.entries(options.queries)) {
    const query = typeof spec === 'string' ? { value: spec } : spec;
    if (typeof query.value !== 'string' || query.value.trim() === '') {
      throw new UserError('INVALID_PROMETHEUS_QUERY', `prometheus: the query for metric "${metric}" is empty`, {
        exitCode: 2,
      });
    }
    queries.set(metric, query);
  }
  const timeoutMs = options.timeoutMs ?? 5000;
  const name = options.name ?? 'prometheus';
  const headers: Record<string, string> = {};
  const secrets = urlSecrets(options.url);
  if (options.auth && 'bearer' in options.auth) {
    headers.authorization = `Bearer ${options.auth.bearer}`;
    secrets.push(options.auth.bearer);
  } else if (options.auth) {
    const { username, password } = options.auth;
    headers.authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    secrets.push(password, `${username}:${password}`);
  }
  const endpoint = new URL('api/v1/query', base.href.endsWith('/') ? base.href : `${base.href}/`);

  async function instant(promql: string, at: number, signal?: AbortSignal): Promise<Parsed> {
    const url = new URL(endpoint);
    url.searchParams.set('query', promql);
    url.searchParams.set('time', (at / 1000).toFixed(3));
    const answer = await fetchJson(url.href, { headers, timeoutMs, signal, secrets });
    if (!answer.ok) {
      const detail = (answer.body as { error?: unknown } | undefined)?.error;
      return {
        kind: 'error',
        error: typeof detail === 'string' ? cleanMessage(`${answer.error}: ${detail}`, secrets) : answer.error,
      };
    }
    const parsed = parseInstant(answer.body);
    return parsed.kind === 'error' ? { kind: 'error', error: cleanMessage(parsed.error, secrets) } : parsed;
  }

  return {
    name,
    metrics: [...queries.keys()],
    async read(query: SignalQuery, signal?: AbortSignal): Promise<SignalReading> {
      const spec = queries.get(query.metric);
      if (!spec) return { status: 'inconclusive', error: `${name}: no query configured for metric "${query.metric}"` };
      const values = placeholderValues(query);
      const fill = (template: string): string => fillTemplate(template, values, escapePromQLString);
      const [value, samples] = await Promise.all([
        instant(fill(spec.value), query.at, signal),
        spec.samples === undefined
          ? Promise.resolve<Parsed | null>(null)
          : instant(fill(spec.samples), query.at, signal),
      ]);
      if (value.kind === 'error') return { status: 'inconclusive', error: `${name}: ${value.error}` };
      if (samples?.kind === 'error')
        return { status: 'inconclusive', error: `${name}: samples query: ${samples.error}` };
      const count = samples === null ? 1 : samples.kind === 'value' ? Math.max(0, Math.round(samples.value)) : 0;
      if (value.kind === 'empty') return { status: 'no-data', samples: samples === null ? 0 : count };
      return { status: 'ok', value: value.value, samples: count };
    },
  };
}
