/**
 * `rewind demo --platform container`: the same story as the local demo — v1
 * promoted under load, v2 with the fault rolled back on its own — with the
 * releases as containers (`driver.type: container`) on the engine
 * engine-socket.ts finds or starts. The images are imported from a local root
 * filesystem (no registry, `pull: never`); v2's carries the fault in its ENV.
 * At the end the demo removes the containers and images it made and stops the
 * podman service it started.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LABEL } from '../../drivers/container/index.js';
import { faultPlan } from './faults.js';
import { importImage, removeImage, sampleAppRootfs } from './demo-image.js';
import { engineCall, findDemoEngine } from './engine-socket.js';
import { runDemo, type DemoOptions, type DemoResult } from './run-demo.js';

export interface ContainerDemoResult extends DemoResult {
  platform: 'container';
  /** where the engine came from: DOCKER_HOST, a well-known socket, or the podman service the demo started */
  engine: string;
}

/** Force-removes every container Rewind labelled that ran one of the demo's images. */
async function removeContainers(socket: string, repository: string): Promise<void> {
  const filters = encodeURIComponent(JSON.stringify({ label: [LABEL.project] }));
  const rows = JSON.parse(await engineCall(socket, 'GET', `/containers/json?all=true&filters=${filters}`)) as {
    Id: string;
    Labels: Record<string, string> | null;
  }[];
  const ours = rows.filter((row) => (row.Labels?.[LABEL.image] ?? '').startsWith(`${repository}@`));
  await Promise.all(ours.map((row) => engineCall(socket, 'DELETE', `/containers/${row.Id}?force=true&v=true`)));
}

export async function runContainerDemo(options: Omit<DemoOptions, 'container'>): Promise<ContainerDemoResult> {
  const write = options.progress ?? (() => undefined);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rewind-cdemo-'));
  const cleanups: (() => Promise<unknown> | unknown)[] = [() => rmSync(dir, { recursive: true, force: true })];
  try {
    const engine = await findDemoEngine(dir);
    cleanups.push(() => engine.stop());
    write(`rewind demo --platform container: engine ${engine.source}`);
    // a repository of its own per run: the cleanup removes exactly what this run made
    const repository = `localhost/rewind-demo-${randomBytes(4).toString('hex')}`;
    const tarball = await sampleAppRootfs(dir);
    const fault = faultPlan(options.fault, options.faultAfterMs);
    for (const [version, env] of [
      ['v1', {}],
      ['v2', fault.env],
    ] as const) {
      cleanups.push(() => removeImage(engine.socket, `${repository}:${version}`));
      await importImage(engine.socket, tarball, `${repository}:${version}`, env);
    }
    write(`images ${repository}:v1 and :v2 imported from a local root filesystem (node and the sample app)`);
    cleanups.push(() => removeContainers(engine.socket, repository));
    const result = await runDemo({
      ...options,
      container: { socket: engine.socket, image: `${repository}:{version}` },
    });
    return { ...result, platform: 'container', engine: engine.source };
  } finally {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (error) {
        // keep unwinding: a failed cleanup must not leave the rest behind
        write(`cleanup: ${(error as Error).message}`);
      }
    }
  }
}
