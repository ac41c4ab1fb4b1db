/**
 * A follower's request to the leader: the caller's method, path, body and
 * credentials (bearer token, or a dashboard session's cookie and CSRF token),
 * over HTTPS trusting the controllers' CA when the API is served over TLS.
 */
import http from 'node:http';
import https from 'node:https';

export interface Forwarded {
  status: number;
  contentType: string;
  body: string;
}

export type Forward = (
  target: string,
  request: { method: string; url: string; headers: Record<string, string>; body?: string },
) => Promise<Forwarded | null>;

/** `ca`: the PEM the leader's certificate is checked against (its CA, or itself when self-signed). */
export function createForward(ca?: Buffer, timeoutMs = 60_000): Forward {
  return (target, request) =>
    new Promise((resolve) => {
      const url = new URL(request.url, target);
      const secure = url.protocol === 'https:';
      const send = (secure ? https : http).request(url, {
        method: request.method,
        headers: {
          ...request.headers,
          ...(request.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(request.body)) }),
        },
        timeout: timeoutMs,
        ...(secure && ca ? { ca } : {}),
      });
      send.on('response', (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () =>
          resolve({
            status: answer.statusCode ?? 502,
            contentType: String(answer.headers['content-type'] ?? 'application/json'),
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        answer.on('error', () => resolve(null));
      });
      send.on('timeout', () => send.destroy(new Error('timed out')));
      send.on('error', () => resolve(null));
      send.end(request.body);
    });
}
