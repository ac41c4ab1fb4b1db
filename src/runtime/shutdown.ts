/**
 * What `rewind serve` leaves behind when it stops, said in its last lines: the
 * instances of each release (they keep serving and the next controller adopts
 * them) and whether each front door still answers, as a connection shows.
 */
import net from 'node:net';
import type { Controller } from './controller.js';

export interface Leftover {
  service: string;
  environment: string;
  releases: { revision: number; version: string; ready: number; desired: number; weight: number }[];
  frontDoor: string | null;
}

/** Read before the controller closes: what runs now. */
export async function runningNow(controller: Controller): Promise<Leftover[]> {
  const { ctx } = controller;
  const out: Leftover[] = [];
  for (const [service, config] of Object.entries(ctx.loaded.config.services)) {
    const driver = ctx.driver(service);
    if (!driver.capabilities.needsOwner) continue;
    for (const environment of config.environments ?? Object.keys(ctx.loaded.config.environments)) {
      const live = await driver.describe(service, environment).catch(() => null);
      if (!live || live.releases.length === 0) continue;
      out.push({
        service,
        environment,
        releases: live.releases.map(({ revision, version, ready, desired, weight }) => ({
          revision,
          version,
          ready,
          desired,
          weight,
        })),
        frontDoor: driver.frontDoor?.(service, environment) ?? null,
      });
    }
  }
  return out;
}

const answers = (url: string): Promise<boolean> =>
  new Promise((resolve) => {
    const { hostname, port } = new URL(url);
    const socket = net.connect({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(port) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.setTimeout(500, () => done(false));
  });

/** The closing lines, checked after the controller closed. */
export async function leftRunningLines(before: Leftover[]): Promise<string[]> {
  const lines: string[] = [];
  for (const left of before) {
    const releases = left.releases
      .map(
        (r) =>
          `r${r.revision} ${r.version} (${r.desired} instance${r.desired === 1 ? '' : 's'}, ${r.weight}% of traffic)`,
      )
      .join(', ');
    lines.push(`left running: ${left.service} in ${left.environment}: ${releases}; the next rewind serve adopts them`);
    if (left.frontDoor)
      lines.push(
        `  front door ${left.frontDoor}: ${(await answers(left.frontDoor)) ? 'still answers' : 'closed (requests are refused until the next rewind serve)'}`,
      );
  }
  return lines;
}
