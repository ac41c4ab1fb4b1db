import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Project } from '../helpers/cli.js';
import { runCli, tempProject } from '../helpers/cli.js';
import { platformDriver } from '../helpers/configs.js';

const commandConfig = `version: 1
controller: { stateDir: state, listen: "127.0.0.1:9" }
environments: { production: {}, staging: {} }
services:
  api:
${platformDriver()}    postRollback: { watch: 0s }
  web:
    environments: [production]
    driver: { type: local, command: ["node", "server.js"], listen: "127.0.0.1:9" }
`;

let project: Project;
const cli = (...args: string[]) => runCli(args, { cwd: project.dir });
beforeEach(() => {
  project = tempProject();
});
afterEach(() => project.cleanup());

describe('rewind CLI as a subprocess', () => {
  it('validate prints every error with line and key path and exits 2', async () => {
    project.write(
      'rewind.yaml',
      'version: 1\nenvironments: { production: {} }\nservices:\n  api:\n    driver: { type: command, start: [a], shiftTraffic: [b], retire: [c], timeout: soon }\n    strategy: yolo\n',
    );
    const result = await cli('validate');
    expect(result.code).toBe(2);
    expect(result.stdout).toContain(
      'rewind.yaml:5:83 services.api.driver.timeout: expected a duration like "5s", got "soon"',
    );
    expect(result.stdout).toContain(
      'rewind.yaml:6:15 services.api.strategy: expected one of "bluegreen", "canary", "rolling", got "yolo"',
    );
    const json = await cli('validate', '--json');
    expect(JSON.parse(json.stdout)).toMatchObject({
      valid: false,
      issues: [{ line: 5, path: 'services.api.driver.timeout' }, { line: 6 }],
    });
  });

  it('init writes a starter file that validates; a second init refuses', async () => {
    expect((await cli('init')).code).toBe(0);
    expect((await cli('validate')).code).toBe(0);
    const again = await cli('init');
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exists');
  });

  it('a missing config says how to create one (exit 2)', async () => {
    const result = await cli('status');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no config at rewind.yaml — create one with: rewind init');
  });

  it('deploy, undo --json, status, history and rollback show with the command driver, in-process', async () => {
    project.write('rewind.yaml', commandConfig);
    const v1 = await cli('deploy', 'api', 'v1', '--json');
    expect(v1.code, v1.stderr).toBe(0);
    expect(JSON.parse(v1.stdout)).toEqual({
      service: 'api',
      environment: 'production',
      outcome: 'promoted',
      release: { revision: 1, version: 'v1', status: 'live' },
      rollbackId: null,
      reason: null,
    });
    expect((await cli('deploy', 'api', 'v2')).code).toBe(0);

    const dry = await cli('undo', 'api', '--dry-run', '--json');
    expect(JSON.parse(dry.stdout)).toMatchObject({
      dryRun: true,
      rollback: null,
      from: { revision: 2 },
      to: { revision: 1 },
    });

    const undo = await cli('undo', 'api', '--json', '--reason', 'bad deploy');
    expect(undo.code, undo.stderr).toBe(0);
    const result = JSON.parse(undo.stdout);
    expect(result.rollback).toMatchObject({
      status: 'succeeded',
      kind: 'manual',
      reason: 'bad deploy',
      fromRevision: 2,
      toRevision: 1,
    });
    expect(result.rollback.steps.map((s: { name: string }) => s.name)).toEqual([
      'await-healthy',
      'shift-traffic',
      'retire',
    ]);

    const show = JSON.parse((await cli('rollback', 'show', result.rollback.id, '--json')).stdout);
    expect(show.journal).toHaveLength(3);
    expect(show.journal.every((j: { status: string; attempt: number }) => j.status === 'done' && j.attempt === 1)).toBe(
      true,
    );
    expect(show.steps[1].output).toContain('r1 now gets 100% of api');

    const status = JSON.parse((await cli('status', 'api', '--json')).stdout);
    expect(status).toMatchObject({
      service: 'api',
      environment: 'production',
      live: { revision: 1, version: 'v1' },
      weights: { 1: 100 },
      activeRollback: null,
      pendingApprovals: [],
    });
    const history = JSON.parse((await cli('history', 'api', '--json')).stdout);
    expect(history.map((r: { revision: number; status: string }) => [r.revision, r.status])).toEqual([
      [2, 'rolled-back'],
      [1, 'live'],
    ]);
    const list = JSON.parse((await cli('rollbacks', '--json')).stdout);
    expect(list[0]).toMatchObject({ id: result.rollback.id, service: 'api' });

    // the rolled-back version is quarantined: not allowed now (exit 5) without --force
    const again = await cli('deploy', 'api', 'v2');
    expect(again.code).toBe(5);
    expect(again.stderr).toContain('--force');
    expect((await cli('deploy', 'api', 'v2', '--force')).code).toBe(0);
  });

  it('exit codes and messages for mistakes', async () => {
    project.write('rewind.yaml', commandConfig);
    const nothing = await cli('undo', 'api');
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toContain('no earlier good release');
    const emergency = await cli('undo', 'api', '--emergency');
    expect(emergency.code).toBe(2);
    expect(emergency.stderr).toContain('needs --reason');
    const unknown = await cli('status', 'nope', '--json');
    expect(unknown.code).toBe(2); // a name the config does not declare is a usage error
    expect(JSON.parse(unknown.stdout)).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect((await cli('deploy', 'api')).code).toBe(2);
    const env = await cli('deploy', 'api', 'v1', '--env', 'prod');
    expect(env.code).toBe(2);
    expect(env.stderr).toContain('unknown environment "prod"');
  });

  it('actions that need a long-lived owner of processes say how to start a controller', async () => {
    project.write('rewind.yaml', commandConfig);
    const result = await cli('deploy', 'web', 'v1');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no controller at http://127.0.0.1:9 — start one with: rewind serve');
  });
});
