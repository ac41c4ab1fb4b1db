/**
 * What the haproxy router does before it drives HAProxy: decide whether the
 * HAProxy a run file names can be adopted (its runtime API answers, allowing
 * for a restart under its supervisor in progress), clear away an HAProxy whose
 * supervisor died (it was ours; left alone it would hold the port that the
 * new one needs, since `noreuseport` forbids sharing it), and write the
 * haproxy.cfg of a fresh one.
 */
import { writeFileSync } from 'node:fs';
import type { Clock } from '../../core/clock.js';
import type { FrontDoorRun } from '../front-door/files.js';
import { isOurs } from '../front-door/files.js';
import { userSecret } from '../users/user-identity.js';
import { haproxyConfig } from './haproxy-config.js';
import { stopHaproxy } from './haproxy-process.js';
import type { ResolvedRouterOptions } from './options.js';

/** how long an adopted HAProxy's runtime API may take to answer (it may be starting again under its supervisor) */
const ANSWER_WAIT_MS = 3000;

/** Whether the HAProxy `run` names (ours, alive) can be adopted for `port` (0: any): a haproxy run whose API answers. */
export async function adoptable(
  run: FrontDoorRun,
  port: number,
  api: (command: string, timeoutMs?: number) => Promise<string>,
  clock: Clock,
): Promise<boolean> {
  if (run.router !== 'haproxy' || (port !== 0 && run.port !== port)) return false;
  const deadline = clock.now() + ANSWER_WAIT_MS;
  for (;;) {
    const answers = await api('show info', 1000).then(
      () => true,
      () => false,
    );
    if (answers || clock.now() >= deadline) return answers;
    await clock.sleep(100);
  }
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

/**
 * Writes the haproxy.cfg of a fresh HAProxy for `port`, its request log streamed to `logPort`;
 * `inheritedSocket` when it runs under its supervisor, which holds the listening socket.
 */
export function writeRouterConfig(
  resolved: ResolvedRouterOptions,
  files: { config: string; admin: string },
  port: number,
  logPort: number,
  inheritedSocket: boolean,
): void {
  const { users } = resolved;
  const config = haproxyConfig({
    host: resolved.host,
    port,
    inheritedSocket,
    adminSocket: files.admin,
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
  writeFileSync(files.config, config, { mode: 0o600 });
}
