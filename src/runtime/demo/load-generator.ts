/**
 * The demo's load generator ("a load generator at about 150
 * requests/s"). Open loop: request n is due at `start + n / rate`, whatever the
 * answers do, so a slow release cannot slow the load down and hide its own
 * latency. Concurrency is bounded; a request that falls due while the bound is
 * reached is counted as `skipped` rather than queued, so the pacing stays even.
 *
 * Every request is recorded (start, end, status or error, the release that
 * answered — the sample app answers JSON `{ release }`), which is what the demo
 * and the fault-restore bench measure recovery from.
 */
import http from 'node:http';
import type { Clock } from '../../core/clock.js';
import { systemClock } from '../../core/clock.js';
import { badRequest } from '../../core/errors.js';
import { summarize, type LoadReport, type RequestSample } from './load-report.js';

export type { LoadReport, RequestSample, SecondCounts, ReleaseSpan } from './load-report.js';

export interface LoadGeneratorOptions {
  /** the URL to load, http only (the traffic switch's front door) */
  url: string;
  /** requests per second, evenly paced; default 150 */
  ratePerSecond?: number;
  /** requests in flight at most (also the keep-alive socket pool); default 256 */
  maxInFlight?: number;
  /** a request not answered in this time counts as an error; default 10000 */
  timeoutMs?: number;
  /**
   * Which release answered, from the response; default: the `release` field of a
   * JSON body, else null.
   */
  releaseOf?: (status: number, body: string) => string | null;
  /** default the system clock; `now()` stamps every sample */
  clock?: Clock;
  /** send a user id with each request in this header, cycling through `count` ids (`user-0` … ), as a service's users do */
  users?: { header: string; count: number };
}

export interface LoadGenerator {
  /** starts sending; calling it twice does nothing */
  start(): void;
  /** stops sending, waits for the requests in flight, returns the final report */
  stop(): Promise<LoadReport>;
  /** the report so far (requests in flight are not in it) */
  report(): LoadReport;
  /** every finished request in the order it finished */
  samples(): readonly RequestSample[];
  /** requests currently in flight */
  inFlight(): number;
}

function defaultReleaseOf(_status: number, body: string): string | null {
  try {
    const parsed = JSON.parse(body) as unknown;
    if (parsed && typeof parsed === 'object' && typeof (parsed as { release?: unknown }).release === 'string') {
      return (parsed as { release: string }).release;
    }
  } catch {
    // not JSON (e.g. the switch's own 502 page): nobody we know answered
  }
  return null;
}

/** Below the front door's default client keep-alive timeout (5 s). */
const IDLE_SOCKET_MS = 4000;

export function createLoadGenerator(options: LoadGeneratorOptions): LoadGenerator {
  const target = new URL(options.url);
  if (target.protocol !== 'http:')
    throw badRequest(`load generator: only http:// URLs are supported, got ${target.protocol}`);
  const rate = options.ratePerSecond ?? 150;
  if (!(rate > 0 && rate <= 100_000))
    throw badRequest(`load generator: ratePerSecond must be in (0, 100000], got ${rate}`);
  const maxInFlight = options.maxInFlight ?? 256;
  if (!(Number.isInteger(maxInFlight) && maxInFlight > 0))
    throw badRequest(`load generator: maxInFlight must be a positive integer, got ${maxInFlight}`);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const releaseOf = options.releaseOf ?? defaultReleaseOf;
  const clock = options.clock ?? systemClock;
  // An idle kept-alive socket is closed here before the front door's 5 s keep-alive timeout
  // closes it: otherwise a request sent on a socket the server is closing at that moment
  // fails with "socket hang up", a client-side race counted as a failed request.
  const agent = new http.Agent({
    keepAlive: true,
    maxSockets: maxInFlight,
    maxFreeSockets: maxInFlight,
    timeout: IDLE_SOCKET_MS,
  });
  const users = options.users;
  if (users && !(Number.isInteger(users.count) && users.count > 0))
    throw badRequest(`load generator: users.count must be a positive integer, got ${users.count}`);

  const done: RequestSample[] = [];
  const pending = new Set<Promise<void>>();
  let startedAt: number | null = null;
  let stoppedAt: number | null = null;
  let sent = 0;
  let skipped = 0;
  let timer: NodeJS.Timeout | null = null;
  // Pacing reads a monotonic clock: wall-clock steps must not burst or stall the load.
  let originMono = 0;

  function fire(): void {
    const sample: RequestSample = { startedAt: clock.now(), endedAt: 0, status: null, error: null, release: null };
    const finished = new Promise<void>((resolve) => {
      const finish = (): void => {
        sample.endedAt = clock.now();
        done.push(sample);
        resolve();
      };
      const req = http.request(
        {
          host: target.hostname,
          port: target.port || 80,
          path: `${target.pathname}${target.search}`,
          method: 'GET',
          agent,
          ...(users ? { headers: { [users.header]: `user-${sent % users.count}` } } : {}),
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            sample.status = res.statusCode ?? 0;
            sample.release = releaseOf(sample.status, Buffer.concat(chunks).toString('utf8'));
            finish();
          });
          res.on('error', (error) => {
            sample.error = error.message;
            finish();
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', (error) => {
        if (sample.endedAt !== 0) return;
        sample.error = error.message || (error as NodeJS.ErrnoException).code || 'request failed';
        finish();
      });
      req.end();
    });
    pending.add(finished);
    void finished.then(() => pending.delete(finished));
  }

  function tick(): void {
    timer = null;
    if (stoppedAt !== null) return;
    const elapsed = performance.now() - originMono;
    const due = Math.floor((elapsed * rate) / 1000) + 1;
    while (sent < due) {
      sent += 1;
      if (pending.size >= maxInFlight) skipped += 1;
      else fire();
    }
    // Sleep until the next request falls due (at least 1 ms, the timer's grain).
    const nextAt = (sent * 1000) / rate;
    timer = setTimeout(tick, Math.max(1, nextAt - (performance.now() - originMono)));
  }

  const report = (): LoadReport =>
    summarize(done, { startedAt, stoppedAt: stoppedAt ?? clock.now(), skipped, ratePerSecond: rate });

  return {
    start() {
      if (startedAt !== null) return;
      startedAt = clock.now();
      originMono = performance.now();
      tick();
    },
    async stop() {
      if (stoppedAt === null) stoppedAt = clock.now();
      if (timer) clearTimeout(timer);
      timer = null;
      while (pending.size > 0) await Promise.all([...pending]);
      agent.destroy();
      return report();
    },
    report,
    samples: () => done,
    inFlight: () => pending.size,
  };
}
