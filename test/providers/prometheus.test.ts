import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignalQuery, SignalReading } from '../../src/core/ports/signal-source.js';
import { createPrometheusSource } from '../../src/monitor/providers/prometheus.js';
import type { MetricsApp } from '../fixtures/metrics-app/start.js';
import { startMetricsApp } from '../fixtures/metrics-app/start.js';
import type { PrometheusServer } from '../harness/prometheus.js';
import { freePort, requirePrometheus, startPrometheus } from '../harness/prometheus.js';

const binary = requirePrometheus();

const requests = (matcher: string): string =>
  `sum(increase(http_requests_total{service="{service}",version="{version}"${matcher}}[{window}]))`;
const QUERIES = {
  errorRate: { value: `${requests(',status=~"5.."')} / ${requests('')}`, samples: requests('') },
  latencyP95Ms: `histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{service="{service}",version="{version}"}[{window}]))) * 1000`,
  everySeries: 'http_requests_total{service="{service}"}',
  broken: 'sum(rate(http_requests_total[{window}]',
};
const query = (metric: string, over: Partial<SignalQuery> = {}): SignalQuery => ({
  service: 'checkout',
  environment: 'production',
  revision: 3,
  version: 'v2',
  metric,
  at: Date.now(),
  windowMs: 60_000,
  ...over,
});

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

describe.skipIf(binary === null)('Prometheus source against a real Prometheus', () => {
  let app: MetricsApp;
  let prometheus: PrometheusServer;

  beforeAll(async () => {
    app = await startMetricsApp('checkout', 'v2');
    prometheus = await startPrometheus({
      binary: binary as string,
      targets: [`127.0.0.1:${app.port}`],
      scrapeIntervalMs: 1000,
    });
    // wait for a scrape of the zero-initialised series, so increase() counts every request we send
    await until('the first scrape', 20_000, async () => {
      const r = await fetch(
        `${prometheus.url}/api/v1/query?query=${encodeURIComponent('count(http_requests_total{service="checkout"})')}`,
      );
      const body = (await r.json()) as { data: { result: { value: [number, string] }[] } };
      return body.data.result[0]?.value[1] === '2' ? true : null;
    });
    await app.traffic(90, 10, 20);
  }, 60_000);

  afterAll(async () => {
    await prometheus?.stop();
    await app?.stop();
  });

  it('computes the error rate from the scraped counters', async () => {
    const source = createPrometheusSource({ url: prometheus.url, queries: QUERIES, timeoutMs: 5000 });
    expect(source.metrics).toContain('errorRate');
    const reading = await until('100 requests to be queryable', 20_000, async () => {
      const r = await source.read(query('errorRate', { at: Date.now() }));
      return r.status === 'ok' && r.samples >= 100 ? r : null;
    });
    // 10 of 100 requests failed; both series are extrapolated alike, so the ratio is exact
    expect(reading.status).toBe('ok');
    const ok = reading as Extract<SignalReading, { status: 'ok' }>;
    expect(ok.value).toBeCloseTo(0.1, 6);
    expect(ok.samples).toBeGreaterThanOrEqual(100);
    // increase() extrapolates to the window edges; on a loaded machine the scrape gaps widen
    expect(ok.samples).toBeLessThan(250);

    const p95 = await source.read(query('latencyP95Ms'));
    // every request took 20 ms: the quantile falls in the (10 ms, 25 ms] bucket
    expect(p95.status).toBe('ok');
    const p95Value = (p95 as Extract<SignalReading, { status: 'ok' }>).value;
    expect(p95Value).toBeGreaterThan(10);
    expect(p95Value).toBeLessThanOrEqual(25);
  });

  it('answers no-data for a release with no series, inconclusive for errors', async () => {
    const source = createPrometheusSource({ url: `${prometheus.url}/`, queries: QUERIES });
    expect(await source.read(query('errorRate', { service: 'billing' }))).toEqual({ status: 'no-data', samples: 0 });
    const broken = await source.read(query('broken'));
    expect(broken.status).toBe('inconclusive');
    expect((broken as { error: string }).error).toMatch(/HTTP 400.*parse error/);
    const many = await source.read(query('everySeries'));
    expect(many).toMatchObject({ status: 'inconclusive', error: expect.stringMatching(/2 series; aggregate/) });
    expect(await source.read(query('cpu'))).toMatchObject({
      status: 'inconclusive',
      error: expect.stringMatching(/no query configured/),
    });
  });

  it('answers inconclusive, without secrets, when Prometheus is unreachable', async () => {
    const port = await freePort(); // nothing listens there
    const token = 'tok-5ecret-abcdef';
    const source = createPrometheusSource({
      url: `http://127.0.0.1:${port}`,
      queries: QUERIES,
      auth: { bearer: token },
      timeoutMs: 2000,
    });
    const reading = await source.read(query('errorRate'));
    expect(reading.status).toBe('inconclusive');
    const error = (reading as { error: string }).error;
    expect(error).toMatch(/unreachable: ECONNREFUSED/);
    expect(error).not.toContain(token);
    const basic = createPrometheusSource({
      url: `http://admin:pa55word@127.0.0.1:${port}`,
      queries: QUERIES,
      auth: { username: 'admin', password: 'hunter22' },
    });
    const err2 = ((await basic.read(query('errorRate'))) as { error: string }).error;
    expect(err2).not.toMatch(/pa55word|hunter22/);
  });
});
