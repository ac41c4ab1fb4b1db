import type { LoadedConfig } from '../../config/load.js';
import { parseDuration } from '../../core/duration.js';
import type { SignalSource } from '../../core/ports/signal-source.js';
import { createHttpJsonSource } from '../../monitor/providers/http-json.js';
import { createPrometheusSource } from '../../monitor/providers/prometheus.js';

/** Metric providers from config; secrets stay inside the sources. */
export function buildProviders(loaded: LoadedConfig): SignalSource[] {
  return loaded.config.providers.flatMap((provider): SignalSource[] => {
    const timeoutMs = parseDuration(provider.timeout);
    if (provider.type === 'prometheus') {
      const auth = provider.bearerToken
        ? { bearer: provider.bearerToken }
        : provider.username
          ? { username: provider.username, password: provider.password ?? '' }
          : undefined;
      return [
        createPrometheusSource({
          name: provider.name,
          url: provider.url,
          queries: provider.queries,
          timeoutMs,
          ...(auth ? { auth } : {}),
        }),
      ];
    }
    // one HTTP JSON source per metric: each has its own URL template and path
    return Object.entries(provider.queries).map(([metric, query]) =>
      createHttpJsonSource({
        name: provider.name,
        url: query.url,
        path: query.path,
        metrics: [metric],
        timeoutMs,
        headers: provider.headers,
      }),
    );
  });
}
