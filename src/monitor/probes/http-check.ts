/**
 * One HTTP health check: GET a path on an instance with a deadline.
 * A fresh connection per check (`agent: false`, `connection: close`) so a probe
 * never holds a keep-alive socket that would delay the instance's graceful stop.
 */
import http from 'node:http';

export interface HttpCheckResult {
  ok: boolean;
  /** HTTP status when one arrived */
  status?: number;
  /** why it failed: a status, a timeout, a refused connection */
  error?: string;
  durationMs: number;
}

/** Any 2xx or 3xx answer within `timeoutMs` passes, as with Kubernetes probes. */
export function httpCheck(host: string, port: number, path: string, timeoutMs: number): Promise<HttpCheckResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: Omit<HttpCheckResult, 'durationMs'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...result, durationMs: Date.now() - started });
    };
    const request = http.request(
      { host, port, path, method: 'GET', agent: false, headers: { connection: 'close', 'user-agent': 'rewind-probe' } },
      (response) => {
        const status = response.statusCode ?? 0;
        response.resume();
        const ok = status >= 200 && status < 400;
        finish(ok ? { ok, status } : { ok, status, error: `HTTP ${status}` });
      },
    );
    const timer = setTimeout(() => {
      finish({ ok: false, error: `timed out after ${timeoutMs}ms` });
      request.destroy();
    }, timeoutMs);
    request.on('error', (error: NodeJS.ErrnoException) => finish({ ok: false, error: error.code ?? error.message }));
    request.end();
  });
}
