/**
 * What the haproxy router does before it drives HAProxy: decide what becomes
 * of the front door a run file names (`fateOf`: adopted, handed over, replaced
 * or forgotten), clear away an HAProxy whose supervisor died when it cannot be
 * handed over (it was ours; left alone it would hold the port that the new one
 * needs, since `noreuseport` forbids sharing it), and write the haproxy.cfg of
 * a fresh one.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Clock } from '../../core/clock.js';
import type { FrontDoorRun } from '../front-door/files.js';
import { CONTROL_PROTOCOL, isOurs } from '../front-door/files.js';
import { userSecret } from '../users/user-identity.js';
import { SAVED_SERVERS_MARK, haproxyConfig } from './haproxy-config.js';
import { oldProcesses } from './handover.js';
import { stopHaproxy } from './haproxy-process.js';
import type { ResolvedRouterOptions } from './options.js';

/** how long an adopted HAProxy's runtime API may take to answer (it may be starting again under its supervisor) */
const ANSWER_WAIT_MS = 3000;

/** Whether HAProxy's runtime API answers within ANSWER_WAIT_MS (it may be starting again under its supervisor). */
async function answers(api: (command: string, timeoutMs?: number) => Promise<string>, clock: Clock): Promise<boolean> {
  const deadline = clock.now() + ANSWER_WAIT_MS;
  for (;;) {
    const answered = await api('show info', 1000).then(
      () => true,
      () => false,
    );
    if (answered || clock.now() >= deadline) return answered;
    await clock.sleep(100);
  }
}

/**
 * What becomes of the front door `run` names, for a router of `resolved` (port 0: any):
 * - `adopt`: ours, HAProxy, same address, protocol and config, its API answers
 *   (and a supervisor when this router supervises);
 * - `hand-over`: it serves on the same address but cannot be adopted (another
 *   protocol or config, no supervisor, its supervisor died): the new front door takes
 *   the port over from it without a refused connection (handover.ts);
 * - `replace`: it is not serving at all (its API does not answer), or is on
 *   another address, or is not HAProxy: stopped, then a fresh one starts — the
 *   only case with a gap, since nothing that serves is lost by it;
 * - `gone`: nothing of it is alive.
 */
export async function fateOf(
  run: FrontDoorRun,
  router: { resolved: ResolvedRouterOptions; files: { config: string; admin: string }; supervised: boolean },
  api: (command: string, timeoutMs?: number) => Promise<string>,
  clock: Clock,
): Promise<'adopt' | 'hand-over' | 'replace' | 'gone'> {
  const { supervisor, haproxy } = oldProcesses(run);
  if (!supervisor && !haproxy) return 'gone';
  if (run.router !== 'haproxy' || !(await answers(api, clock))) return 'replace';
  const { resolved, files } = router;
  if (run.host !== resolved.host || (resolved.port !== 0 && run.port !== resolved.port)) return 'replace';
  const whole = supervisor !== undefined && (run.workerPid !== undefined || !router.supervised);
  if (whole && run.protocol === CONTROL_PROTOCOL && sameConfig(run, resolved, files)) return 'adopt';
  return router.supervised ? 'hand-over' : 'replace';
}

/**
 * A run file whose supervisor is gone may still name a live HAProxy it had
 * started (same pid and start time): that one is stopped, so the port is free
 * for the HAProxy that replaces it. A pid that is someone else's now is never
 * signalled.
 */
export async function stopOrphan(run: FrontDoorRun, clock: Clock): Promise<boolean> {
  if (run.workerPid === undefined || run.workerStartTime === undefined || run.workerStartTime === null) return false;
  const orphan = { pid: run.workerPid, startTime: run.workerStartTime };
  if (!isOurs(orphan)) return false;
  await stopHaproxy(orphan, clock);
  return true;
}

/** The haproxy.cfg this router writes for `port`, its request log streamed to `logPort` (`inheritedSocket` under a supervisor). */
function routerConfig(
  resolved: ResolvedRouterOptions,
  admin: string,
  port: number,
  logPort: number,
  inheritedSocket: boolean,
): string {
  const { users } = resolved;
  return haproxyConfig({
    host: resolved.host,
    port,
    inheritedSocket,
    adminSocket: admin,
    logPort,
    ...(users === undefined
      ? {}
      : {
          users: {
            ...(users.key === undefined ? {} : { key: users.key }),
            features: users.features,
            secretHex: userSecret(users.secretFile),
          },
        }),
    connectTimeoutMs: resolved.connectTimeoutMs,
    upstreamTimeoutMs: resolved.upstreamTimeoutMs,
    clientKeepAliveTimeoutMs: resolved.clientKeepAliveTimeoutMs,
    trustForwardedFrom: resolved.trustForwardedFrom,
  });
}

/** Writes the haproxy.cfg of a fresh HAProxy (routerConfig). */
export function writeRouterConfig(
  resolved: ResolvedRouterOptions,
  files: { config: string; admin: string },
  port: number,
  logPort: number,
  inheritedSocket: boolean,
): void {
  writeFileSync(files.config, routerConfig(resolved, files.admin, port, logPort, inheritedSocket), { mode: 0o600 });
}

/**
 * Whether the haproxy.cfg the front door `run` names was started from is the one
 * this router would write for it (the supervisor's saved servers aside): another
 * Rewind's, or one written before `upstreamTimeout` or `trustForwardedFrom`
 * changed, is not, and that front door is handed over rather than adopted.
 */
function sameConfig(
  run: FrontDoorRun,
  resolved: ResolvedRouterOptions,
  files: { config: string; admin: string },
): boolean {
  try {
    const text = readFileSync(files.config, 'utf8').split(`${SAVED_SERVERS_MARK}\n`)[0];
    const inherited = run.workerPid !== undefined;
    return text === routerConfig(resolved, files.admin, run.port, run.logPort ?? 0, inherited);
  } catch {
    return false;
  }
}
