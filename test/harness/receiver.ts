import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as it arrived, body bytes kept exactly. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  raw: Buffer;
  body: string;
  /** the body parsed as JSON, or undefined when it is not JSON */
  json: unknown;
  /** the status the receiver answered */
  status: number;
  at: number;
}

export interface ReceiverReply {
  status?: number;
  body?: unknown;
}

/** Decides the answer; return undefined for the default 200 `ok`. */
export type ReceiverHandler = (request: ReceivedRequest) => ReceiverReply | undefined;

export interface Receiver {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** every request, in arrival order, including those answered 5xx */
  readonly requests: ReceivedRequest[];
  /** requests answered 2xx */
  accepted(): ReceivedRequest[];
  /** answer every request with this status from now on (null: back to normal) */
  failWith(status: number | null): void;
  /** record requests but never answer them (a hung receiver), until called with false */
  hang(on: boolean): void;
  /** stop listening (connections refused) for `ms`, then listen again on the same port */
  downFor(ms: number): Promise<void>;
  /** resolves when at least `count` requests were accepted, or rejects after `timeoutMs` */
  waitForAccepted(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

/**
 * A real HTTP server on loopback that records what arrives (DESIGN.md "Real parts":
 * Slack, PagerDuty and webhooks are tested against it). It can answer 5xx or be
 * down for a while, to test retries.
 */
export async function startReceiver(handler?: ReceiverHandler): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  let forcedStatus: number | null = null;
  let hanging = false;
  let waiters: (() => void)[] = [];

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = raw.toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const record: ReceivedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        raw,
        body,
        json,
        status: 200,
        at: Date.now(),
      };
      if (hanging) {
        record.status = 0; // never answered
        requests.push(record);
        return;
      }
      const reply: ReceiverReply =
        forcedStatus !== null
          ? { status: forcedStatus, body: 'unavailable' }
          : (handler?.(record) ?? { status: 200, body: 'ok' });
      record.status = reply.status ?? 200;
      requests.push(record);
      const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {});
      res.writeHead(record.status, {
        'content-type': typeof reply.body === 'string' ? 'text/plain' : 'application/json',
      });
      res.end(text);
      for (const wake of waiters) wake();
    });
  };

  let server: Server = createServer(onRequest);
  await listen(server, 0);
  const port = (server.address() as AddressInfo).port;

  const accepted = (): ReceivedRequest[] => requests.filter((request) => request.status >= 200 && request.status < 300);

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    accepted,
    failWith(status) {
      forcedStatus = status;
    },
    hang(on) {
      hanging = on;
    },
    async downFor(ms) {
      await shut(server);
      setTimeout(() => {
        server = createServer(onRequest);
        void listen(server, port);
      }, ms);
    },
    waitForAccepted(count, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (accepted().length >= count) {
            clearTimeout(timer);
            waiters = waiters.filter((waiter) => waiter !== check);
            resolve(accepted());
          }
        };
        const timer = setTimeout(() => {
          waiters = waiters.filter((waiter) => waiter !== check);
          reject(new Error(`receiver: ${accepted().length} of ${count} requests accepted after ${timeoutMs}ms`));
        }, timeoutMs);
        waiters.push(check);
        check();
      });
    },
    close: () => shut(server),
  };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function shut(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
    // keep-alive sockets from fetch would hold the port open
    server.closeAllConnections();
  });
}
