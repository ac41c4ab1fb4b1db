import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteStore } from '../../src/store/sqlite/index.js';
import type { Project, Serve } from '../helpers/cli.js';
import { BIN, freePort, runCli, startServe, tempProject, waitFor } from '../helpers/cli.js';
import { spawn } from 'node:child_process';

// Every command records its begin and end with pid (no deduplication), so a
// rollback walked by two executors shows each command twice.
const STEP_SH = `#!/bin/sh
echo "begin|$1|$$" >> effects.log
sleep "$(cat pace 2>/dev/null || echo 0)"
echo "end|$1|$$" >> effects.log
`;

const config = `version: 1
environments:
  production: {}
services:
  api:
    driver:
      type: command
      start: ["sh", "./step.sh", "start-r{revision}"]
      shiftTraffic: ["sh", "./step.sh", "shift-r{revision}-{weight}"]
      retire: ["sh", "./step.sh", "retire-r{revision}"]
    hooks:
      preRollback:
        - { name: freeze, command: ["sh", "./step.sh", "hook-freeze"] }
    postRollback:
      watch: 0s
`;

let project: Project;
let serves: Serve[] = [];
afterEach(async () => {
  for (const s of serves) {
    s.child.kill('SIGCONT');
    await s.kill('SIGKILL');
  }
  serves = [];
  project?.cleanup();
});

const nowhere = ['--controller', 'http://127.0.0.1:9'];

async function deployed(): Promise<(...args: string[]) => ReturnType<typeof runCli>> {
  project = tempProject();
  project.write('rewind.yaml', config);
  project.write('step.sh', STEP_SH);
  const cli = (...args: string[]) => runCli(args, { cwd: project.dir });
  for (const version of ['v1', 'v2']) expect((await cli('deploy', 'api', version, ...nowhere)).code).toBe(0);
  project.write('effects.log', '');
  return cli;
}

const rollbacks = async () => {
  const store = createSqliteStore({ path: join(project.dir, '.rewind', 'state.db') });
  try {
    return await store.listRollbacks();
  } finally {
    await store.close();
  }
};

describe('the CLI never executes a rollback beside a controller', () => {
  it('undo --no-wait without a controller refuses and records nothing', async () => {
    const cli = await deployed();
    const result = await cli('undo', 'api', '--no-wait', ...nowhere);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--no-wait needs a running controller');
    expect(await rollbacks()).toEqual([]);
    expect(readFileSync(join(project.dir, 'effects.log'), 'utf8')).toBe('');
  }, 60_000);

  it('a controller started while the CLI runs a rollback waits for it: one executor, every command once', async () => {
    await deployed();
    project.write('pace', '1.2');
    const port = await freePort();
    // the CLI's default controller address is where the controller will come up
    const undo = spawn(process.execPath, [BIN, 'undo', 'api', '--json', '--controller', `http://127.0.0.1:${port}`], {
      cwd: project.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    undo.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => undo.on('close', resolve));
    await waitFor('the CLI to begin the rollback', async () =>
      readFileSync(join(project.dir, 'effects.log'), 'utf8').includes('begin|hook-freeze'),
    );
    const serve = await startServe(project, port);
    serves.push(serve);
    expect(await exited).toBe(0);
    expect(JSON.parse(out).rollback.status).toBe('succeeded');
    await waitFor('the controller to lead', async () => serve.output().includes('leader with token'), 20_000);
    expect(serve.output()).toMatch(/waiting for cli@/);
    const lines = readFileSync(join(project.dir, 'effects.log'), 'utf8').trim().split('\n');
    const begins = lines.filter((l) => l.startsWith('begin|')).map((l) => l.split('|')[1]);
    expect(begins).toEqual(['hook-freeze', 'start-r1', 'shift-r1-100', 'shift-r2-0', 'retire-r2']);
    const [rollback] = await rollbacks();
    expect(rollback?.status).toBe('succeeded');
  }, 90_000);

  it('a controller that holds the lease but does not answer: the CLI refuses and changes nothing', async () => {
    const cli = await deployed();
    const serve = await startServe(project, await freePort());
    serves.push(serve);
    serve.child.kill('SIGSTOP');
    const result = await cli('undo', 'api', '--controller', serve.url);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/a controller already runs on .*nothing was changed/);
    expect(await rollbacks()).toEqual([]);
    expect(existsSync(join(project.dir, 'effects.log')) && readFileSync(join(project.dir, 'effects.log'), 'utf8')).toBe(
      '',
    );
  }, 60_000);

  it('the same for the commands of other areas (a group undo, a freeze): refused, nothing changed', async () => {
    const cli = await deployed();
    const serve = await startServe(project, await freePort());
    serves.push(serve);
    serve.child.kill('SIGSTOP');
    const group = await cli('undo', '--all', '--yes', '--controller', serve.url);
    expect(group.code, group.stderr).toBe(1);
    expect(group.stderr).toMatch(/a controller already runs on .*nothing was changed/);
    const freeze = await cli('freeze', 'start', '--env', 'production', '--reason', 'x', '--controller', serve.url);
    expect(freeze.code, freeze.stderr).toBe(1);
    expect(freeze.stderr).toMatch(/a controller already runs on .*nothing was changed/);
    expect(await rollbacks()).toEqual([]);
    expect(readFileSync(join(project.dir, 'effects.log'), 'utf8')).toBe('');
    const store = createSqliteStore({ path: join(project.dir, '.rewind', 'state.db') });
    try {
      const frozen = await store.listEvents({ types: ['freeze.started'] });
      expect(frozen).toEqual([]);
    } finally {
      await store.close();
    }
  }, 60_000);
});
