import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RollbackDetail } from '../../src/core/model.js';
import type { Project, Serve } from '../helpers/cli.js';
import { freePort, runCli, startServe, tempProject } from '../helpers/cli.js';
import { answer, opsService, writeConfig } from './harness.js';

let project: Project;
let serve: Serve;
let front: number;
const cli = (...args: string[]) => runCli(args, { cwd: project.dir });
const V1_ENV = 'GREETING=hello\nAPI_TOKEN=tok-first-4242\n';

beforeAll(async () => {
  project = tempProject('rewind-config-');
  front = await freePort();
  const controller = await freePort();
  writeConfig(
    project,
    controller,
    opsService('web', front, project.dir).replace(
      '      stopTimeout: 3s\n',
      '      stopTimeout: 3s\n      configFiles: [".env", "config/app.json"]\n',
    ),
  );
  serve = await startServe(project, controller);
}, 30_000);

afterAll(async () => {
  await serve?.kill('SIGTERM');
  project?.cleanup();
});

describe('configuration rollback (driver.configFiles)', () => {
  it('.env changed between releases: undo puts it back before starting the target, which serves the old value', async () => {
    project.write('.env', V1_ENV);
    mkdirSync(join(project.dir, 'config'));
    project.write('config/app.json', '{\n  "color": "blue",\n  "apiKey": "k-secret-1"\n}\n');
    expect((await cli('deploy', 'web', 'v1')).code).toBe(0);
    expect((await answer(front)).config.GREETING).toBe('hello');

    project.write('.env', 'GREETING=bonjour\nAPI_TOKEN=tok-second-9999\nNEW_SETTING=on\n');
    expect((await cli('deploy', 'web', 'v2')).code).toBe(0);
    expect((await cli('deploy', 'web', 'v3')).code).toBe(0);
    // v1 is cold now: undoing to it starts it afresh from its own files
    expect((await answer(front)).config.GREETING).toBe('bonjour');

    const undo = await cli('undo', 'web', '--to-revision', '1', '--wait-stable', '--json');
    expect(undo.code, undo.stderr).toBe(0);
    const { rollback } = JSON.parse(undo.stdout) as { rollback: RollbackDetail };
    expect(rollback.steps.map((s) => s.name).slice(0, 2)).toEqual(['restore-config', 'start']);
    expect(rollback.steps[0]?.output).toMatch(/\.env put back/);
    expect(rollback.steps[0]?.output).toMatch(/config\/app\.json already as deployed/);
    expect(readFileSync(join(project.dir, '.env'), 'utf8')).toBe(V1_ENV);
    const served = await answer(front);
    expect(served).toMatchObject({ release: 'v1', config: { GREETING: 'hello' } });
  }, 90_000);

  it('config diff shows what changed and masks the values of secret-looking keys', async () => {
    const diff = await cli('config', 'diff', 'web', '--from', '1', '--to', '2');
    expect(diff.code, diff.stderr).toBe(0);
    expect(diff.stdout).toContain('.env (changed): v1 (r1) → v2 (r2)');
    expect(diff.stdout).toContain('-GREETING=hello');
    expect(diff.stdout).toContain('+GREETING=bonjour');
    expect(diff.stdout).toContain('-API_TOKEN=***');
    expect(diff.stdout).toContain('+API_TOKEN=***');
    expect(diff.stdout).toContain('+NEW_SETTING=on');
    expect(diff.stdout).toContain('config/app.json (unchanged)');
    expect(diff.stdout + diff.stderr).not.toMatch(/tok-first|tok-second/);
    // the snapshot itself is verbatim (the rollback above put the real token back)
    expect(readFileSync(join(project.dir, '.env'), 'utf8')).toContain('tok-first-4242');
    const bad = await cli('config', 'diff', 'web', '--from', 'one', '--to', '2');
    expect(bad.code).toBe(2);
  }, 30_000);
});
