/**
 * The container driver's rollbacks against a real engine (Debian's podman with
 * runc serving the Docker Engine API, or Debian's dockerd), `rewind serve` and the
 * CLI as a user runs them. One engine and one controller per suite; the cases run
 * in order on the same service, so a subset keeps the order (the first deploys v1).
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { freePort, startServe, tempProject } from '../helpers/cli.js';
import type { TestEngine } from '../harness/test-engine.js';
import { containerProject } from './harness.js';
import { HEALTHCHECK_IMAGES, healthCases, type HealthCase } from './health-cases.js';
import { recoveryCases, type RecoveryCase } from './recovery-cases.js';
import { rollbackCases, type RollbackCase } from './rollback-cases.js';
import { createSuite, type Suite } from './suite-context.js';

/** loaded before the app (NODE_OPTIONS): 3 s after start it takes 8 MiB every 50 ms until the limit kills it */
const HOG = Buffer.from(
  "const held=[];setTimeout(()=>setInterval(()=>{held.push(Buffer.alloc(8<<20,1));console.log('allocated '+held.length*8+' MiB')},50),3000);",
).toString('base64');

export interface RollbackSuite {
  engine: string;
  available: boolean;
  start(): Promise<TestEngine>;
  /** how a release's artifact reads: a repository digest, or on Docker an image id (imported images have no digest) */
  pinned: RegExp;
  /** the cases to run, in the suite's order; default all */
  only?: (RollbackCase | RecoveryCase | HealthCase)[];
}

export function describeRollbacks({ engine, available, start, pinned, only }: RollbackSuite): void {
  let suite: Suite | null = null;
  // kept apart from the suite: a setup that fails after the start still stops the engine
  let started: TestEngine | null = null;
  describe.skipIf(!available)(`container driver on a real ${engine} engine`, () => {
    beforeAll(async () => {
      started = await start();
      await started.buildImage('localhost/app:v1');
      await started.buildImage('localhost/app:v2', { FAULT: 'error-rate', FAULT_ERROR_RATE: '0.2' });
      await started.buildImage('localhost/app:v3');
      await started.buildImage('localhost/app:v4', { FAULT: 'crash', FAULT_AFTER_MS: '3000' });
      await started.buildImage('localhost/app:v5', { NODE_OPTIONS: `--import=data:text/javascript;base64,${HOG}` });
      for (const image of HEALTHCHECK_IMAGES) await started.buildImage(image.tag, {}, [image.change]);
      const project = tempProject('rewind-containers-');
      const ports = { controller: await freePort(), front: await freePort() };
      containerProject(project, started, ports, {
        rollbackWindow: '3s',
        driverExtra: '      memory: 128m\n      imageHealthcheck: true\n',
      });
      suite = createSuite({
        engine: started,
        project,
        ports,
        pinned,
        serve: await startServe(project, ports.controller),
      });
    }, 180_000);

    afterAll(async () => {
      await suite?.serve?.kill('SIGTERM');
      await started?.stop();
      suite?.project.cleanup();
    }, 120_000);

    // a subset leaves the other cases out (they run in another suite), not skipped
    const cases = [...rollbackCases, ...recoveryCases, ...healthCases].filter(
      (c) => !only || (only as string[]).includes(c.name),
    );
    for (const c of cases) it(c.title, () => c.run(suite as Suite), c.timeout);
  });
}
