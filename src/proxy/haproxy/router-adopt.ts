/**
 * What a router takes from the HAProxy it adopts: the servers and weights HAProxy
 * reports (`show servers state`), its request log stream (resumed on the port the
 * last controller used, when free), and the requests its ring still holds.
 */
import type { Clock } from '../../core/clock.js';
import type { FrontDoorRun } from '../front-door/files.js';
import type { TelemetryStore } from '../telemetry.js';
import { WeightTable } from '../weight-table.js';
import { BACKEND, LOG_RING } from './haproxy-config.js';
import { startLogReceiver } from './log-receiver.js';
import type { LogReceiver } from './log-receiver.js';
import type { createServerSync } from './server-sync.js';
import { parseServersState, releasesFromServers } from './server-state.js';

export interface AdoptInput {
  api: (command: string, timeoutMs?: number) => Promise<string>;
  telemetry: TelemetryStore;
  known: (revision: number) => boolean;
  clock: Clock;
  features: number;
  sync: ReturnType<typeof createServerSync>;
}

/** Fills `sync` from the adopted HAProxy; gives its log receiver and how many requests the ring's dump counted. */
export async function takeState(
  run: FrontDoorRun,
  input: AdoptInput,
): Promise<{ logs: LogReceiver; replayed: number }> {
  const { api, telemetry, known, clock, features, sync } = input;
  // Requests that finished before this instant come from the ring's dump below (what
  // the controller before this one counted, and the seconds when none listened);
  // later ones from the stream, which resumes where the last controller left it.
  const since = Date.now();
  const logs = await startLogReceiver(telemetry, known, clock, run.logPort ?? 0, since, features).catch(() =>
    startLogReceiver(telemetry, known, clock, 0, since, features),
  );
  const rebuilt = releasesFromServers(parseServersState(await api(`show servers state ${BACKEND}`), BACKEND));
  for (const [revision, ups] of rebuilt.releases) sync.releases.set(revision, ups);
  for (const [name, revision] of rebuilt.applied) sync.applied.set(name, revision);
  const dump = await api(`show events ${LOG_RING}`, 15_000).catch(() => '');
  const replayed = dump === '' ? 0 : logs.replay(dump);
  sync.table = WeightTable.from(rebuilt.weights, (revision) => (sync.releases.get(revision)?.length ?? 0) > 0);
  return { logs, replayed };
}
