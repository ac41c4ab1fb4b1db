/**
 * A SignalSource reading one number from any HTTP endpoint that answers JSON
 *: a vendor API, an app's own /stats. Like every provider it
 * answers `inconclusive` when the endpoint cannot answer, never throws, and
 * keeps header values and URL credentials out of its errors.
 */
import { UserError } from '../../core/errors.js';
import type { SignalQuery, SignalReading, SignalSource } from '../../core/ports/signal-source.js';
import { fetchJson } from './fetch-json.js';
import type { PathPart } from './json-path.js';
import { parseJsonPath, readJsonPath } from './json-path.js';
import { fillTemplate, placeholderValues } from './query-template.js';
import { urlSecrets } from './redact.js';

export interface HttpJsonSourceOptions {
  /** URL template with {service} {env} {version} {revision} {metric} {window} {windowMs} {at}; values are URL-encoded */
  url: string;
  /** where the value is: `data.errorRate`, `items[0].value` */
  path: string;
  /** where the sample count is; default none (each answer counts as one sample) */
  samplesPath?: string;
  /** metrics this source answers; default `['*']` (any: the URL template tells them apart) */
  metrics?: string[];
  /** per request; default 5000 ms */
  timeoutMs?: number;
  /** sent with each request; their values are treated as secrets */
  headers?: Record<string, string>;
  /** default `http-json` */
  name?: string;
}

function toNumber(raw: unknown): number | null | undefined {
  if (raw === null || raw === undefined) return null;
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : undefined;
  if (typeof raw === 'string' && raw.trim() !== '') {
    const value = Number(raw);
    return Number.isFinite(value) ? value : undefined;
  }
  return undefined;
}

export function createHttpJsonSource(options: HttpJsonSourceOptions): SignalSource {
  const name = options.name ?? 'http-json';
  if (typeof options.url !== 'string' || !/^https?:\/\//.test(options.url)) {
    throw new UserError('INVALID_HTTP_JSON_URL', `${name}: \`url\` must start with http:// or https://`, {
      exitCode: 2,
    });
  }
  const valuePath: PathPart[] = parseJsonPath(options.path);
  const samplesPath: PathPart[] | null = options.samplesPath === undefined ? null : parseJsonPath(options.samplesPath);
  const headers = options.headers ?? {};
  const secrets = [...Object.values(headers), ...urlSecrets(options.url)];
  const timeoutMs = options.timeoutMs ?? 5000;

  return {
    name,
    metrics: options.metrics ?? ['*'],
    async read(query: SignalQuery, signal?: AbortSignal): Promise<SignalReading> {
      const url = fillTemplate(options.url, placeholderValues(query), encodeURIComponent);
      const answer = await fetchJson(url, { headers, timeoutMs, signal, secrets: [...secrets, ...urlSecrets(url)] });
      if (!answer.ok) return { status: 'inconclusive', error: `${name}: ${answer.error}` };
      const value = toNumber(readJsonPath(answer.body, valuePath));
      let samples = 1;
      if (samplesPath !== null) {
        const count = toNumber(readJsonPath(answer.body, samplesPath));
        if (count === undefined)
          return { status: 'inconclusive', error: `${name}: the value at ${options.samplesPath} is not a number` };
        samples = count === null ? 0 : Math.max(0, Math.round(count));
      }
      if (value === undefined)
        return { status: 'inconclusive', error: `${name}: the value at ${options.path} is not a number` };
      if (value === null) return { status: 'no-data', samples: samplesPath === null ? 0 : samples };
      return { status: 'ok', value, samples };
    },
  };
}
