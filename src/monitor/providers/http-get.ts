/**
 * A plain GET over node:http/https for the metric providers, which a busy
 * controller makes thousands of times a second. Not the global `fetch`: its
 * WHATWG streams, request objects and abort wiring allocate ~20 KB per call
 * that outlives the young generation while the answer is awaited, and the old
 * generation it fills is collected by a full pause every few seconds, which
 * delays every evaluation due meanwhile (measured: evaluation lag p99 160 ms
 * with 1,000 watched releases). Connections are kept alive per origin.
 */
import http from 'node:http';
import https from 'node:https';

export interface HttpGetAnswer {
  status: number;
  text: string;
}

/** an answer larger than this is refused (a metric query never needs it; a runaway one must not fill memory) */
const MAX_BODY_BYTES = 32 * 1024 * 1024;

const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 64, scheduling: 'lifo' }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 64, scheduling: 'lifo' }),
};

export interface HttpGetOptions {
  headers: Record<string, string>;
  /** the whole exchange, connection to last byte */
  timeoutMs: number;
  /** the caller's abort (the monitor stopping) */
  signal?: AbortSignal;
}

/** why a GET was cut short by its caller: its own deadline passed, or the caller's signal fired */
export class HttpGetCut extends Error {
  constructor(readonly reason: 'timeout' | 'cancelled') {
    super(reason === 'timeout' ? 'timed out' : 'cancelled');
  }
}

/**
 * GETs `url` and reads the whole body as UTF-8. Rejects with the socket's
 * error (its `code`, e.g. ECONNREFUSED) or an HttpGetCut. The deadline and the
 * caller's signal are one timer and one listener, both gone when it settles
 * (no AbortController per request: the same allocation this file avoids).
 */
export function httpGet(url: string, options: HttpGetOptions): Promise<HttpGetAnswer> {
  const target = new URL(url);
  const client = target.protocol === 'https:' ? https : target.protocol === 'http:' ? http : null;
  if (!client) return Promise.reject(new Error(`unsupported protocol ${target.protocol}`));
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(new HttpGetCut('cancelled'));
  return new Promise((resolve, reject) => {
    const agent = agents[target.protocol as 'http:' | 'https:'];
    const request = client.get(target, { headers: options.headers, agent });
    const cancel = (): void => void request.destroy(new HttpGetCut('cancelled'));
    const timer = setTimeout(() => request.destroy(new HttpGetCut('timeout')), options.timeoutMs);
    signal?.addEventListener('abort', cancel, { once: true });
    const settled = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', cancel);
    };
    const fail = (error: unknown): void => {
      settled();
      reject(error);
    };
    request.on('error', fail);
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          request.destroy(new Error(`the answer is larger than ${MAX_BODY_BYTES} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      response.on('error', fail);
      response.on('close', () => {
        if (!response.complete) fail(new Error('the connection closed before the whole answer arrived'));
      });
      response.on('end', () => {
        settled();
        resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks, size).toString('utf8') });
      });
    });
  });
}
