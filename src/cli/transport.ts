import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ExitCode, UserError } from '../core/errors.js';

export interface HttpAnswer {
  status: number;
  text: string;
}

let ca: Buffer | undefined;

/**
 * The CA bundle the CLI trusts for an HTTPS controller (a self-signed
 * `controller.tls` certificate): `--ca FILE`, else `REWIND_CA`; without either the
 * system's CAs. Set once per process by the command's options.
 */
export function useCa(file: string | undefined): void {
  const path = file ?? process.env.REWIND_CA;
  if (!path) return;
  try {
    ca = readFileSync(path);
  } catch (error) {
    throw new UserError('BAD_USAGE', `--ca / REWIND_CA: cannot read "${path}" (${(error as Error).message})`, {
      exitCode: ExitCode.usage,
    });
  }
}

/** One request to the controller over http: or https: (with the CA above). */
export function send(
  url: string,
  init: { method: string; headers?: Record<string, string>; body?: string; timeoutMs?: number },
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const options = {
      method: init.method,
      // a fresh connection per call: the shared agent would time idle sockets out after 5 s,
      // and a watched deploy waits far longer than that for its answer
      agent: false as const,
      headers: {
        ...init.headers,
        ...(init.body !== undefined ? { 'content-length': Buffer.byteLength(init.body) } : {}),
      },
      ...(init.timeoutMs ? { timeout: init.timeoutMs } : {}),
    };
    const req =
      target.protocol === 'https:'
        ? httpsRequest(target, { ...options, ...(ca ? { ca } : {}) })
        : httpRequest(target, options);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    if (init.timeoutMs) req.on('timeout', () => req.destroy(new Error(`no answer within ${init.timeoutMs} ms`)));
    req.on('error', reject);
    req.end(init.body);
  });
}
