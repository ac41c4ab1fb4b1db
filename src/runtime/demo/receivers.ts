/**
 * The demo's stand-ins for Slack, PagerDuty and a webhook endpoint (* "done when": a demo rollback produces the Slack, PagerDuty and webhook
 * messages). Plain node:http servers on 127.0.0.1 with a free port that record
 * what arrives, so `rewind demo` can show that the outbox delivered for real.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One PagerDuty Events API v2 message as received. */
export interface PagerDutyReceived {
  action: string;
  dedupKey: string;
}

/** What the receivers got, counted for the summary and `--json`. */
export interface NotificationCounts {
  /** Slack incoming-webhook messages */
  slack: number;
  /** PagerDuty messages (trigger and resolve) */
  pagerduty: number;
  /** webhook messages whose X-Rewind-Signature checked out */
  webhook: number;
  /** webhook messages refused for a missing or wrong signature (should stay 0) */
  webhookRejected: number;
  /** each PagerDuty message in arrival order: trigger then resolve, same dedup_key */
  pagerdutyEvents: PagerDutyReceived[];
}

export interface DemoReceivers {
  slackUrl: string;
  pagerDutyUrl: string;
  /** PagerDuty's routing key: random too, since secrets are masked wherever they occur (a plain word would mask paths) */
  pagerDutyRoutingKey: string;
  webhookUrl: string;
  /** the webhook's signing secret: random per run, never printed */
  webhookSecret: string;
  counts(): NotificationCounts;
  close(): Promise<void>;
}

type Handler = (body: string, request: IncomingMessage) => number;

async function listen(handler: Handler): Promise<{ server: Server; url: string }> {
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      let status = 400;
      try {
        status = handler(Buffer.concat(chunks).toString('utf8'), request);
      } catch {
        // a body that is not JSON is refused; the count stays as it was
      }
      response
        .writeHead(status, { 'content-type': 'application/json' })
        .end(status < 300 ? '{"ok":true}' : '{"ok":false}');
    });
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/` };
}

function signatureMatches(body: string, header: string | string[] | undefined, secret: string): boolean {
  if (typeof header !== 'string') return false;
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Starts the three receivers; `close()` stops them (the demo does at its end). */
export async function startDemoReceivers(): Promise<DemoReceivers> {
  const webhookSecret = randomBytes(16).toString('hex');
  const pagerDutyRoutingKey = randomBytes(16).toString('hex');
  let slack = 0;
  let webhook = 0;
  let webhookRejected = 0;
  const pagerdutyEvents: PagerDutyReceived[] = [];
  const servers: Server[] = [];
  const start = async (handler: Handler): Promise<string> => {
    const { server, url } = await listen(handler);
    servers.push(server);
    return url;
  };
  const close = (): Promise<void> =>
    Promise.all(
      servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections(); // keep-alive sockets of the notifiers must not hold the demo open
          }),
      ),
    ).then(() => undefined);
  try {
    const slackUrl = await start((body) => {
      const message = JSON.parse(body) as { text?: unknown };
      if (typeof message.text !== 'string') return 400;
      slack += 1;
      return 200;
    });
    const pagerDutyUrl = await start((body) => {
      const message = JSON.parse(body) as { event_action?: unknown; dedup_key?: unknown };
      if (typeof message.event_action !== 'string' || typeof message.dedup_key !== 'string') return 400;
      pagerdutyEvents.push({ action: message.event_action, dedupKey: message.dedup_key });
      return 202;
    });
    const webhookUrl = await start((body, request) => {
      if (!signatureMatches(body, request.headers['x-rewind-signature'], webhookSecret)) {
        webhookRejected += 1;
        return 401;
      }
      JSON.parse(body);
      webhook += 1;
      return 200;
    });
    return {
      slackUrl,
      pagerDutyUrl,
      pagerDutyRoutingKey,
      webhookUrl,
      webhookSecret,
      counts: () => ({
        slack,
        pagerduty: pagerdutyEvents.length,
        webhook,
        webhookRejected,
        pagerdutyEvents: [...pagerdutyEvents],
      }),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
