import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Controller } from '../../src/runtime/controller.js';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, runCli, startServe as startServeProcess, tempProject, waitFor } from '../helpers/cli.js';
import { commandProject, startServe } from '../record/project.js';

let project: Project | null = null;
let serve: Serve | null = null;
let controller: Controller | null = null;
afterEach(async () => {
  await serve?.kill('SIGKILL');
  await controller?.close();
  project?.cleanup();
  serve = null;
  controller = null;
  project = null;
});

/** a drill hook for the command driver: records what it was asked to inject */
const hook = (dir: string) =>
  `["node", "-e", "require('fs').appendFileSync('${join(dir, 'injected.txt')}', process.argv.slice(1).join(' ') + '\\\\n')", "{fault}", "{service}", "{env}", "{version}", "{revision}"]`;

describe('rewind drill from the CLI and on a schedule', () => {
  it('command driver: the drills[].hook injects the fault; `rewind drill --json` waits over HTTP and exits 1 when nothing rolled back', async () => {
    project = tempProject('rewind-drill-cli-');
    const port = await freePort();
    commandProject(
      project,
      `drills:\n  - { env: production, schedule: "0 4 1 1 *", fault: latency, hook: ${hook(project.dir)} }\n`,
    );
    serve = await startServeProcess(project, port);
    const cli = (...args: string[]) =>
      runCli([...args, '--controller', serve?.url ?? ''], { cwd: project?.dir ?? '.' });
    expect((await cli('deploy', 'api', 'v1')).code).toBe(0);
    const drill = await cli('drill', 'production', '--timeout', '1s', '--json');
    expect(drill.code, drill.stderr).toBe(1);
    const result = JSON.parse(drill.stdout);
    expect(result).toMatchObject({
      outcome: 'not-detected',
      fault: 'latency',
      service: 'api',
      revision: 2,
      rollbackKind: 'drill',
      targetsMissed: [],
    });
    expect(readFileSync(join(project.dir, 'injected.txt'), 'utf8')).toBe('latency api production v1 2\n');
    const report = await cli('report', result.rollbackId, '--json');
    expect(JSON.parse(report.stdout)).toMatchObject({ summary: { kind: 'drill', status: 'succeeded' } });
    // bad usage is exit 2 with a message
    const bad = await cli('drill', 'production', '--fault', 'meteor');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--fault expects one of error-rate, latency, crash, unhealthy');
    const unknown = await cli('drill', 'moon');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown environment "moon"');
  });

  it('a command-driver service without drills[].hook is refused; the cron schedule runs from rewind serve', async () => {
    project = tempProject('rewind-drill-cron-');
    controller = await startServe(
      commandProject(project, `drills:\n  - { env: production, schedule: "* * * * * *" }\n`),
    );
    const skipped = await waitFor(
      'a scheduled drill',
      async () => (await controller?.api.events({ limit: 100 }))?.find((e) => e.type === 'drill.skipped'),
      10_000,
      100,
    );
    expect(skipped.message).toContain('declare how to inject a fault with drills[].hook');
  });
});
