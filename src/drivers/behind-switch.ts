/**
 * What every driver whose releases sit behind Rewind's own front door (local
 * processes, containers) does alike: `describe` reads each running release's
 * share from the switch, and `shiftTraffic` hands the switch each release's
 * upstreams before it changes the weights — never traffic to a release that is
 * not running here.
 */
import { UserError } from '../core/errors.js';
import type { DriverCallOptions, LiveRelease, LiveState, Weights } from '../core/ports/driver.js';
import type { TrafficSwitch, Upstream } from '../proxy/types.js';
import { weightEntries } from './local/driver-parts.js';

export interface SwitchedReleases<G> {
  switchFor(service: string, environment: string): TrafficSwitch | Promise<TrafficSwitch>;
  /** the running releases of a service, oldest first, after any recovery of a restarted controller */
  running(service: string, environment: string): Promise<G[]>;
  revisionOf(group: G): number;
  upstreamsOf(group: G): Upstream[];
  /** a release as `describe` reports it */
  view(group: G, weight: number): LiveRelease;
  /** the error code of a shift to a release that is not running, e.g. LOCAL_NOT_RUNNING */
  notRunningCode: string;
}

export async function describeBehindSwitch<G>(
  parts: SwitchedReleases<G>,
  service: string,
  environment: string,
): Promise<LiveState> {
  const running = await parts.running(service, environment);
  const weights = (await parts.switchFor(service, environment)).weights();
  return {
    service,
    environment,
    releases: running.map((g) => parts.view(g, weights[parts.revisionOf(g)] ?? 0)),
    observed: true,
  };
}

export async function shiftBehindSwitch<G>(
  parts: SwitchedReleases<G>,
  service: string,
  environment: string,
  weights: Weights,
  call: DriverCallOptions = {},
): Promise<string> {
  const entries = weightEntries(weights);
  const running = await parts.running(service, environment);
  const target = await parts.switchFor(service, environment);
  for (const [revision, weight] of entries) {
    const group = running.find((g) => parts.revisionOf(g) === revision);
    if (group) target.setUpstreams(revision, parts.upstreamsOf(group));
    else if (weight > 0) {
      throw new UserError(
        parts.notRunningCode,
        `${service} r${revision} is not running here; start it before sending it traffic`,
        { status: 409 },
      );
    }
  }
  target.setWeights(Object.fromEntries(entries));
  await target.settled?.();
  const message = `${service}: traffic ${entries.map(([revision, weight]) => `r${revision}=${weight}%`).join(' ')}`;
  call.log?.(message);
  return message;
}
