import { getEventListeners, once } from 'node:events';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import type { SignalQuery } from '../../src/core/ports/signal-source.js';
import { createHttpJsonSource } from '../../src/monitor/providers/http-json.js';
import { createPrometheusSource } from '../../src/monitor/providers/prometheus.js';

const KEY = 'key-0123456789-secret';
const query = (metric: string, over: Partial<SignalQuery> = {}): SignalQuery => ({
  service: 'checkout',
  environment: 'prod eu',
  revision: 3,
  version: 'v2',
  metric,
  at: 1_700_000_000_000,
  windowMs: 60_000,
  ...over,
});

/** A real HTTP server on loopback that answers like a stats API and records what arrived. */
let server: Server;
let base = '';
const seen: { url: string; headers: IncomingMessage['headers'] }[] = [];
function handle(req: IncomingMessage, res: ServerResponse): void {
  seen.push({ url: req.url ?? '', headers: req.headers });
  const url = new URL(req.url ?? '/', 'http://x');
  const json = (status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (url.pathname === '/api/v1/query') {
    if (req.headers.authorization !== 'Bearer tok-1234') {
      return json(401, {
        status: 'error',
        errorType: 'auth',
        error: `bad token in ${String(req.headers.authorization)}`,
      });
    }
    return json(200, { status: 'success', data: { resultType: 'scalar', result: [1_700_000_000, '0.25'] } });
  }
  if (req.headers['x-api-key'] !== KEY) return json(401, { error: `bad key ${String(req.headers['x-api-key'])}` });
  switch (url.pathname) {
    case '/stats/checkout/errorRate':
      return json(200, { data: { errorRate: 0.042, requests: 1200 } });
    case '/stats/checkout/latency':
      return json(200, { items: [{ value: '87.5' }], count: 30 });
    case '/stats/checkout/empty':
      return json(200, { data: { errorRate: null, requests: 0 } });
    case '/stats/checkout/weird':
      return json(200, { data: { errorRate: 'lots', requests: 5 } });
    case '/stats/checkout/broken':
      return json(503, { error: `overloaded; your key was ${KEY}` });
    case '/stats/checkout/html':
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>login</html>');
      return;
    case '/stats/checkout/cut':
      // promises 200 bytes, sends 20, hangs up
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '200' });
      res.write('{"data":{"errorRate"');
      setTimeout(() => res.destroy(), 20);
      return;
    case '/stats/checkout/slow':
      setTimeout(() => json(200, { data: { errorRate: 0 } }), 3000);
      return;
    default:
      return json(404, { error: 'no such stat' });
  }
}

beforeAll(async () => {
  server = createServer(handle);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(async () => {
  server.closeAllConnections();
  server.close();
});

describe('HTTP JSON source against a local HTTP server', () => {
  const source = (path: string, over: Partial<Parameters<typeof createHttpJsonSource>[0]> = {}) =>
    createHttpJsonSource({
      url: `${base}/stats/{service}/{metric}?env={env}&window={windowMs}`,
      path,
      headers: { 'x-api-key': KEY },
      timeoutMs: 1000,
      ...over,
    });

  it('reads the value and samples at the paths, filling and encoding the URL template', async () => {
    const reading = await source('data.errorRate', { samplesPath: 'data.requests' }).read(query('errorRate'));
    expect(reading).toEqual({ status: 'ok', value: 0.042, samples: 1200 });
    const last = seen.at(-1);
    expect(last?.url).toBe('/stats/checkout/errorRate?env=prod%20eu&window=60000');
    expect(last?.headers['x-api-key']).toBe(KEY);
    expect(await source('items[0].value', { samplesPath: 'count' }).read(query('latency'))).toEqual({
      status: 'ok',
      value: 87.5,
      samples: 30,
    });
    expect(await source('items[0].value').read(query('latency'))).toEqual({ status: 'ok', value: 87.5, samples: 1 });
  });

  it('answers no-data for a null value and inconclusive for anything it cannot trust', async () => {
    expect(await source('data.errorRate', { samplesPath: 'data.requests' }).read(query('empty'))).toEqual({
      status: 'no-data',
      samples: 0,
    });
    expect(await source('data.errorRate').read(query('weird'))).toMatchObject({
      status: 'inconclusive',
      error: expect.stringMatching(/not a number/),
    });
    expect(await source('data.errorRate').read(query('html'))).toMatchObject({
      status: 'inconclusive',
      error: expect.stringMatching(/not JSON/),
    });
    expect(await source('data.errorRate').read(query('nothing'))).toMatchObject({
      status: 'inconclusive',
      error: expect.stringMatching(/HTTP 404/),
    });
    const slow = await source('data.errorRate', { timeoutMs: 300 }).read(query('slow'));
    expect(slow).toMatchObject({
      status: 'inconclusive',
      error: expect.stringMatching(/did not answer within 300 ms/),
    });
  });

  it('follows the caller’s abort, and leaves no listener on its signal once an answer is in', async () => {
    const monitor = new AbortController();
    // the monitor's stop signal lives as long as the process: a thousand reads leave nothing on it
    for (let i = 0; i < 1000; i++) await source('data.errorRate').read(query('errorRate'), monitor.signal);
    expect(getEventListeners(monitor.signal, 'abort')).toEqual([]);
    const pending = source('data.errorRate', { timeoutMs: 10_000 }).read(query('slow'), monitor.signal);
    monitor.abort(new Error('the monitor stops'));
    expect(await pending).toMatchObject({ status: 'inconclusive', error: expect.stringMatching(/was cancelled/) });
  });

  it('keeps its connections alive between reads, and calls an answer cut short inconclusive', async () => {
    let connections = 0;
    const count = (): void => void (connections += 1);
    server.on('connection', count);
    try {
      for (let i = 0; i < 200; i++)
        expect(await source('data.errorRate').read(query('errorRate'))).toMatchObject({ status: 'ok' });
    } finally {
      server.off('connection', count);
    }
    // one kept-alive connection serves them all (a new one only if the server closed the idle one)
    expect(connections).toBeLessThanOrEqual(2);
    expect(await source('data.errorRate').read(query('cut'))).toMatchObject({
      status: 'inconclusive',
      error: expect.stringMatching(/unreachable: .*(closed before the whole answer|aborted|ECONNRESET)/),
    });
  });

  it('keeps header values and URL credentials out of errors', async () => {
    const broken = await source('data.errorRate').read(query('broken'));
    expect(broken).toMatchObject({ status: 'inconclusive', error: expect.stringMatching(/HTTP 503/) });
    expect(JSON.stringify(broken)).not.toContain(KEY);
    const wrongKey = await source('data.errorRate', {
      headers: { 'x-api-key': 'other-secret-key' },
      url: `${base}/stats/{service}/{metric}?token=qs-secret-999`,
    }).read(query('errorRate'));
    expect(wrongKey.status).toBe('inconclusive');
    expect(JSON.stringify(wrongKey)).not.toMatch(/other-secret-key|qs-secret-999/);
  });

  it('rejects bad options with a UserError', () => {
    expect(() => createHttpJsonSource({ url: 'ftp://x', path: 'a' })).toThrow(UserError);
    expect(() => createHttpJsonSource({ url: base, path: 'data..x' })).toThrow(/JSON path/);
    expect(() => createHttpJsonSource({ url: base, path: '' })).toThrow(/empty/);
  });
});

describe('Prometheus source details against a local HTTP server', () => {
  it('sends bearer auth and the evaluation time, and reads a scalar', async () => {
    const src = createPrometheusSource({
      url: base,
      queries: { ratio: 'scalar(vector({revision}))' },
      auth: { bearer: 'tok-1234' },
    });
    expect(await src.read(query('ratio'))).toEqual({ status: 'ok', value: 0.25, samples: 1 });
    expect(seen.at(-1)?.headers.authorization).toBe('Bearer tok-1234');
    const params = new URL(seen.at(-1)?.url ?? '', 'http://x').searchParams;
    expect(params.get('query')).toBe('scalar(vector(3))');
    expect(params.get('time')).toBe('1700000000.000');
  });

  it('keeps a rejected token out of the error, even when the server echoes it', async () => {
    const src = createPrometheusSource({
      url: base,
      queries: { ratio: 'vector(1)' },
      auth: { bearer: 'wrong-token-777' },
    });
    const denied = await src.read(query('ratio'));
    expect(denied).toMatchObject({
      status: 'inconclusive',
      error: expect.stringMatching(/HTTP 401: bad token in Bearer \[redacted\]/),
    });
    expect(JSON.stringify(denied)).not.toContain('wrong-token-777');
  });
});
